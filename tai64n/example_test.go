package tai64n_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/qqmail/qq/tai64n"
)

func ExampleParse() {
	l, err := tai64n.Parse("@4000000037c219bf2ef02e94")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Time().Format(time.RFC3339Nano))
	local, _ := l.AppendLocal(nil, time.UTC)
	fmt.Println(string(local))
	// Output:
	// 1999-08-24T04:04:05.7874925Z
	// 1999-08-24 04:04:05.787492500
}

func ExampleLocalize() {
	in := "@4000000037c219bf2ef02e94 new msg 9995400\n@zzzz malformed labels pass through\n"
	if err := tai64n.Localize(os.Stdout, strings.NewReader(in), tai64n.LocalFormatter(time.UTC)); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 1999-08-24 04:04:05.787492500 new msg 9995400
	// @zzzz malformed labels pass through
}
