package mandoc

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Help is a set of help texts: the long help of every command, one
// plain-text file each (<dir>/<command>.txt), and the sections several
// commands share (<dir>/_<section>.txt). They are text, not Go, so that
// they read and diff as the documentation they are.
type Help struct {
	files fs.FS
	dir   string
}

// NewHelp returns the help texts held in dir of files (an embed.FS).
func NewHelp(files fs.FS, dir string) Help {
	return Help{files: files, dir: dir}
}

// include is a shared section's place in a help text: {{filters}}
// stands for the contents of _filters.txt.
var include = regexp.MustCompile(`\{\{([a-z0-9-]+)\}\}`)

// Long returns the long help of the command whose text is <name>.txt,
// with its {{section}} includes expanded. A missing file or section is a
// mistake of the program, not of the user: its tests walk every command
// so that it never reaches a release.
func (h Help) Long(name string) string {
	return include.ReplaceAllStringFunc(h.Text(name), func(inc string) string {
		return h.Text("_" + include.FindStringSubmatch(inc)[1])
	})
}

// Text is one help file's contents without its final newline, or a line
// saying which file is missing.
func (h Help) Text(name string) string {
	b, err := fs.ReadFile(h.files, path.Join(h.dir, name+".txt"))
	if err != nil {
		return fmt.Sprintf("(help text %s missing)", name)
	}
	return strings.TrimSuffix(string(b), "\n")
}
