package mandoc

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// WriteManPages writes a man page per command of root (qq.1, qq-list.1, …)
// into dir with the given header. It rewrites the tree's help texts for
// the Markdown the generator reads (MarkdownSafe): the tree is not fit
// for anything else afterwards.
func WriteManPages(root *cobra.Command, dir string, header *doc.GenManHeader) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root.DisableAutoGenTag = true
	MarkdownSafe(root)
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	return nil
}

// WriteCompletions writes root's bash, zsh and fish completion scripts
// into dir, named after root (qq.bash, _qq and qq.fish).
func WriteCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := root.Name()
	for file, gen := range map[string]func(string) error{
		name + ".bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
		"_" + name:     root.GenZshCompletionFile,
		name + ".fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
	} {
		if err := gen(filepath.Join(dir, file)); err != nil {
			return fmt.Errorf("completion %s: %w", file, err)
		}
	}
	return nil
}

// MarkdownSafe rewrites the help texts of cmd and its descendants so that
// cobra's man page generator, which reads them as Markdown, prints them as
// written: without it "<qmail-dir>" vanishes as an HTML tag and "*" or "_"
// turn into emphasis. Indented lines (examples, tables) become code
// blocks, which keep their line breaks.
func MarkdownSafe(cmd *cobra.Command) {
	cmd.Short = Escape(cmd.Short, 0)
	cmd.Long = Text(cmd.Long)
	cmd.Example = Text(cmd.Example)
	for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
		// Backquotes in a flag's usage mark its value's name (pflag's
		// convention); Markdown shows them as code, which reads right.
		fs.VisitAll(func(f *pflag.Flag) { f.Usage = Escape(f.Usage, '`') })
	}
	for _, sub := range cmd.Commands() {
		MarkdownSafe(sub)
	}
}
