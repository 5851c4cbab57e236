package termsafe_test

import (
	"fmt"

	"github.com/qqmail/qq/termsafe"
)

func ExampleLine() {
	subject := "Invoice \x1b]0;you have been hacked\x07 \xff"
	fmt.Println(termsafe.Line(subject))
	// Output: Invoice \x1b]0;you have been hacked\x07 \xff
}

func ExampleText() {
	body := "Dear user,\n\tclick\x1b[2J here\n"
	fmt.Print(termsafe.Text(body))
	// Output:
	// Dear user,
	// 	click\x1b[2J here
}
