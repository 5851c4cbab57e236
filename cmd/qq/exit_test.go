package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
)

// The exit codes are documented three times: the constants, the root
// command's EXIT STATUS and README's table. They agree.
func TestExitCodeTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "## Exit codes\n")
	if !ok {
		t.Fatal("README has no Exit codes section")
	}
	table, _, _ = strings.Cut(table, "\n\n\n")
	rows := regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(table, -1)
	help := regexp.MustCompile(`(?m)^  (\d+) +\S`).FindAllStringSubmatch(helpText("_exit-status"), -1)
	codes := []int{cmdutil.ExitOK, cmdutil.ExitNoMatch, cmdutil.ExitUsage, cmdutil.ExitError, cmdutil.ExitInternal, cmdutil.ExitTempFail, cmdutil.ExitInterrupted}
	if len(rows) != len(codes) || len(help) != len(codes) {
		t.Fatalf("%d codes, %d README rows, %d help lines", len(codes), len(rows), len(help))
	}
	for i, c := range codes {
		if rows[i][1] != fmt.Sprint(c) || help[i][1] != fmt.Sprint(c) {
			t.Errorf("code %d: README says %s, help says %s", c, rows[i][1], help[i][1])
		}
	}
	if cmdutil.ExitInternal == cmdutil.ExitUsage {
		t.Error("an internal error must not look like a usage error")
	}
}
