package ui

// UseColor decides whether to colour standard output. Precedence: --color,
// then NO_COLOR (any non-empty value, "0" included, per no-color.org), then
// FORCE_COLOR/CLICOLOR_FORCE, then TERM=dumb, then whether stdout is a
// terminal. (go-pretty's own detection colours pipes, so qq never uses it.)
func UseColor(mode string, getenv func(string) string, stdoutTTY bool) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if getenv("NO_COLOR") != "" {
		return false
	}
	if v := getenv("FORCE_COLOR"); v != "" && v != "0" {
		return true
	}
	if v := getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if getenv("TERM") == "dumb" {
		return false
	}
	return stdoutTTY
}
