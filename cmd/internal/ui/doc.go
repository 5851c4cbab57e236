// Package ui is the terminal plumbing of the qq command that is not a
// command: the pager big output goes through, the count a long sorted
// listing shows on stderr, the progress bar of a long change, the y/N
// question before one, and the refresh loop of --watch. It knows nothing
// of queues; cmd/qq decides when to use each.
package ui
