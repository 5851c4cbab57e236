//go:build ignore

// genlog writes a realistic qmail-send log of about -size bytes, stamped as
// multilog stamps it, and prints on stderr a message ID worth tracing.
//
//	go run testdata/genlog.go -size 1073741824 -o /tmp/log/current
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/qqmail/qq/qmailqueue/sendlog/sendlogtest"
)

func main() {
	size := flag.Int64("size", 1<<30, "approximate size in `bytes`")
	out := flag.String("o", "", "output `file`")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	st, err := sendlogtest.Write(w, sendlogtest.Options{Bytes: *size, Seed: *seed})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "bytes %d lines %d messages %d trace_id %d trace_histories %d\n",
		st.Bytes, st.Lines, st.Messages, st.TraceID, st.TraceHistories)
}
