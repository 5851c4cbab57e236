package layout

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliOnly are the import paths only cmd/... may depend on: the CLI
// framework, table rendering and terminal handling.
var cliOnly = []string{
	"github.com/spf13/cobra",
	"github.com/spf13/pflag",
	"github.com/jedib0t/go-pretty",
	"golang.org/x/term",
}

// moduleRoot is the directory of go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// TestLibrariesDoNotImportTheCLI lists every package of the module with
// its dependencies (go list -deps, so indirect imports count too) and fails
// for a library package that depends on cmd/... or on a CLI-only module.
func TestLibrariesDoNotImportTheCLI(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not in PATH")
	}
	root := moduleRoot(t)
	cmd := exec.Command(goBin, "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	module := modulePath(t, root)
	libraries := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		if isCmd(module, pkg) {
			continue
		}
		libraries++
		for _, dep := range deps {
			if isCmd(module, dep) {
				t.Errorf("library package %s depends on %s: only cmd/... may", pkg, dep)
			}
			for _, p := range cliOnly {
				if dep == p || strings.HasPrefix(dep, p+"/") {
					t.Errorf("library package %s depends on %s, which only cmd/... may use", pkg, dep)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if libraries < 5 {
		t.Errorf("go list found %d library packages, want the module's (qmailqueue, control, svc, tai64n, …)", libraries)
	}
}

func isCmd(module, pkg string) bool {
	return pkg == module+"/cmd" || strings.HasPrefix(pkg, module+"/cmd/")
}

// modulePath reads the module line of go.mod.
func modulePath(t *testing.T, root string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	t.Fatal("go.mod has no module line")
	return ""
}

// TestCmdSize reports the non-test lines of cmd/qq, the command-line
// program, which should hold flags, wiring and rendering only (the goal is
// at most 5,000 lines). It does not fail on the count.
func TestCmdSize(t *testing.T) {
	dir := filepath.Join(moduleRoot(t), "cmd", "qq")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	lines, n := 0, 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(data, []byte("\n"))
		n++
	}
	if n == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	t.Logf("cmd/qq: %d non-test lines in %d files (goal: at most 5000)", lines, n)
}
