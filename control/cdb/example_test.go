package cdb_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/qqmail/qq/control/cdb"
)

func Example() {
	dir, _ := os.MkdirTemp("", "cdb")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "morercpthosts.cdb")

	f, _ := os.Create(path)
	w, _ := cdb.NewWriter(f)
	for _, k := range []string{"example.com", ".example.net"} {
		w.Add([]byte(k), nil)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	f.Close()

	rd, _ := cdb.Open(path)
	defer rd.Close()
	for _, k := range []string{"example.com", "example.org"} {
		_, ok, _ := rd.Get([]byte(k))
		fmt.Println(k, ok)
	}
	// Output:
	// example.com true
	// example.org false
}
