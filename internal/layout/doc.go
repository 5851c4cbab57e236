// Package layout holds no code: its test enforces the dependency direction
// of the module. Library packages (everything outside cmd/) never depend on
// the command-line program or on the packages only it may use (cobra,
// pflag, go-pretty, x/term), and the size of cmd/qq is reported.
package layout
