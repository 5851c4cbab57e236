package queuetest

import (
	"os"
	"strings"
)

// LegalState names the INTERNALS state (docs/queue.md §0) that a message whose files
// of the given kinds (mess, intd, todo, info, local, remote, bounce) exist
// is in: "S1" … "S5", or "" when the combination is not one of the legal
// states qmail-send copes with.
func LegalState(kinds []string) string {
	has := map[string]bool{}
	for _, k := range kinds {
		has[k] = true
	}
	switch {
	case len(has) == 0:
		return "S1"
	case !has["mess"]:
		return ""
	case has["todo"] && !has["bounce"]:
		return "S4"
	case has["todo"]:
		return ""
	case has["info"] && !has["intd"]:
		return "S5"
	case has["info"]:
		return ""
	case has["local"] || has["remote"] || has["bounce"]:
		return ""
	case has["intd"]:
		return "S3"
	}
	return "S2"
}

// Present returns the kinds of the files of id that exist where qmail looks
// for them.
func (b *Builder) Present(id uint64) []string {
	var kinds []string
	for _, k := range Kinds() {
		if _, err := os.Lstat(b.Path(k, id)); err == nil {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// StateOf is LegalState of the files of id, with the kinds found, for error
// messages: "S5 (mess info remote)", or "illegal (info remote)".
func (b *Builder) StateOf(id uint64) (state string, desc string) {
	kinds := b.Present(id)
	state = LegalState(kinds)
	name := state
	if name == "" {
		name = "illegal"
	}
	return state, name + " (" + strings.Join(kinds, " ") + ")"
}
