package main

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
)

// helpFiles holds the long help of every command, one plain-text file each
// (help/<command>.txt), and the sections several commands share
// (help/_<section>.txt). They are text, not Go, so that they read and diff
// as the documentation they are; `qq gen-docs` turns the same texts into the
// man pages.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpInclude is a shared section's place in a help text: {{filters}}
// stands for the contents of help/_filters.txt.
var helpInclude = regexp.MustCompile(`\{\{([a-z0-9-]+)\}\}`)

// longHelp returns the long help of the command whose text is
// help/<name>.txt, with its {{section}} includes expanded. A missing file or
// section is a mistake of ours, not of the user: TestHelpTexts walks every
// command so that it never reaches a release.
func longHelp(name string) string {
	text := helpText(name)
	return helpInclude.ReplaceAllStringFunc(text, func(include string) string {
		return helpText("_" + helpInclude.FindStringSubmatch(include)[1])
	})
}

// helpText is one help file's contents without its final newline, or a
// line saying which file is missing.
func helpText(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		return fmt.Sprintf("(help text %s missing)", name)
	}
	return strings.TrimSuffix(string(b), "\n")
}
