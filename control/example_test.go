package control_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/qqmail/qq/control"
)

// Check a sender against badmailfrom the way qmail-smtpd does.
func ExampleAddrList() {
	list := control.NewAddrList(control.ParseList([]byte("# spam\n@Spam.Example\nbob@example.com\n")))
	for _, input := range []string{"MAIL FROM:<x@SPAM.example>", "<@relay:bob@example.com>", "x@mail.spam.example"} {
		addr, _ := control.ParseAddr(control.CommandArg(input, "FROM"), nil)
		if e, ok := list.Match(addr); ok {
			fmt.Printf("%s: rejected by line %d (%s)\n", addr, e.Line, e.Key)
		} else {
			fmt.Printf("%s: accepted\n", addr)
		}
	}
	// Output:
	// x@SPAM.example: rejected by line 2 (@Spam.Example)
	// bob@example.com: rejected by line 3 (bob@example.com)
	// x@mail.spam.example: accepted
}

// Add an entry and learn what the change needs to take effect.
func ExampleAddToList() {
	dir, _ := os.MkdirTemp("", "control")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "locals"), []byte("# local domains\nexample.com\n"), 0o644)

	entry, _, err := control.Validate("locals", "Example.ORG")
	if err != nil {
		fmt.Println(err)
		return
	}
	ch, err := control.AddToList(context.Background(), dir, "locals", []string{entry})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _ := control.Lookup("locals")
	fmt.Println(ch.Added, f.EffectText())
	// Output:
	// [example.org] takes effect once qmail-send rereads it: run 'qq svc hup' (qmail-send rereads locals and virtualdomains on HUP)
}

// Read a number file with qmail's default.
func ExampleRead() {
	dir, _ := os.MkdirTemp("", "control")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "concurrencyremote"), []byte(" 50\n"), 0o644)
	for _, name := range []string{"queuelifetime", "concurrencyremote"} {
		s, _ := control.Read(dir, name)
		fmt.Println(name, s.Value, s.Source, s.Notes)
	}
	// Output:
	// queuelifetime 604800 default []
	// concurrencyremote 20 default [" 50" does not start with a digit: qmail uses the default]
}
