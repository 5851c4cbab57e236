// Package contrib holds files for running qq in a fleet (Prometheus alert
// rules, a Grafana dashboard); its tests check them against the metrics qq
// really exports and, where Prometheus's promtool is installed (Debian's
// prometheus package; .ci/run installs it), run the rules' unit tests.
package contrib

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// metricName matches the qmail metric families named in rules and queries.
var metricName = regexp.MustCompile(`\bqmail_(?:queue|send)_[a-z_]+`)

// exported returns the metric names that appear as string literals in the
// repository's non-test Go code: the families qq metrics writes.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	literal := regexp.MustCompile(`"(qmail_(?:queue|send)_[a-z_]+)"`)
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllSubmatch(data, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !names["qmail_queue_messages"] {
		t.Fatalf("found no metric names in the Go code (looked for string literals like \"qmail_queue_messages\"): %v", names)
	}
	return names
}

// known reports whether name is an exported family or one of a histogram's
// derived series.
func known(names map[string]bool, name string) bool {
	if names[name] {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && names[base] {
			return true
		}
	}
	return false
}

// TestRulesAndDashboardUseExportedMetrics keeps the alert rules and the
// dashboard in step with qq metrics: a renamed metric breaks this test, not
// a fleet's alerting.
func TestRulesAndDashboardUseExportedMetrics(t *testing.T) {
	names := exported(t)
	for _, file := range []string{"prometheus/qmail-rules.yml", "grafana/qmail-queue.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		used := metricName.FindAllString(string(data), -1)
		if len(used) == 0 {
			t.Errorf("%s names no qmail metric", file)
		}
		for _, name := range used {
			if !known(names, name) {
				t.Errorf("%s uses %s, which qq metrics does not export", file, name)
			}
		}
	}
}

// TestDashboard checks the dashboard is valid JSON with panels that each
// query Prometheus through the dashboard's data source variable.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/qmail-queue.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("grafana/qmail-queue.json: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) < 8 {
		t.Fatalf("dashboard: title %q, uid %q, %d panels", d.Title, d.UID, len(d.Panels))
	}
	for _, p := range d.Panels {
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: data source %q, want the ${datasource} variable", p.Title, p.Datasource.UID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, `instance=~"$instance"`) {
				t.Errorf("panel %q: query %q does not follow the instance variable", p.Title, q.Expr)
			}
		}
	}
}

// TestAlertRules runs promtool's syntax check and the rules' unit tests
// (prometheus/qmail-rules.test.yml).
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; .ci/run installs it)")
	}
	for _, args := range [][]string{
		{"check", "rules", "qmail-rules.yml"},
		{"test", "rules", "qmail-rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
