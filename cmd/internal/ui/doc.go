// Package ui is the terminal plumbing of the qq command that is not a
// command: whether a stream is a terminal and how wide, whether to colour
// and in which colour for what (the Palette that paints table cells), the
// clock QQ_NOW pins, the pager big output goes through, the count a long
// sorted listing shows on stderr, the progress bar of a long change, the
// y/N question before one, and the refresh loop of --watch. It knows
// nothing of queues; cmd/qq decides when to use each.
package ui
