package main

import (
	"embed"

	"github.com/qqmail/qq/cmd/internal/mandoc"
)

// helpFiles holds the long help of every command, one plain-text file each
// (help/<command>.txt), and the sections several commands share
// (help/_<section>.txt); `qq gen-docs` turns the same texts into the man
// pages.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpTexts reads helpFiles: longHelp("list") is qq list's long help with its
// {{section}} includes expanded (TestHelpTexts walks every command so that
// no text is missing), helpText one file as it is.
var (
	helpTexts = mandoc.NewHelp(helpFiles, "help")
	longHelp  = helpTexts.Long
	helpText  = helpTexts.Text
)
