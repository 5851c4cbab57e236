package qmailqueue_test

import (
	"fmt"

	"github.com/qqmail/qq/qmailqueue"
)

func ExampleParseReceived() {
	for _, v := range []string{
		"(qmail 4242 invoked from network); 22 Nov 2026 09:00:12 -0000",
		"from unknown (HELO WIN-4J5K2M8Q) (203.0.113.66)\n  by mail.example.com with SMTP; 22 Nov 2026 09:00:11 -0000",
		"from mail.example.net (mail.example.net [192.0.2.1]) by mx.example.com (Postfix) with ESMTPS id 4X; Sun, 22 Nov 2026 09:00:00 +0000",
	} {
		hop, ok := qmailqueue.ParseReceived(v)
		fmt.Printf("%v %q %q\n", ok, hop.Helo, hop.IP)
	}
	// Output:
	// false "" ""
	// true "WIN-4J5K2M8Q" "203.0.113.66"
	// true "mail.example.net" "192.0.2.1"
}
