package control

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckCreate(t *testing.T) {
	dir := t.TempDir()
	if risk, err := CheckCreate(dir, "rcpthosts", []string{"a.example"}); err != nil || risk == nil || risk.File != "rcpthosts" {
		t.Errorf("rcpthosts absent: CheckCreate = %+v, %v; want a risk", risk, err)
	}
	if risk, err := CheckCreate(dir, "locals", []string{"a.example"}); err != nil || risk != nil {
		t.Errorf("locals and me absent: CheckCreate = %+v, %v; want no risk", risk, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "me"), []byte("mx.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if risk, err := CheckCreate(dir, "locals", []string{"a.example"}); err != nil || risk == nil || risk.Me != "mx.example" {
		t.Errorf("locals absent, me set, new locals without me: CheckCreate = %+v, %v; want a risk naming mx.example", risk, err)
	}
	if risk, err := CheckCreate(dir, "locals", []string{"a.example", "MX.example"}); err != nil || risk != nil {
		t.Errorf("new locals with me: CheckCreate = %+v, %v; want no risk", risk, err)
	}
	for _, name := range []string{"rcpthosts", "locals"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("b.example\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if risk, err := CheckCreate(dir, name, nil); err != nil || risk != nil {
			t.Errorf("%s exists: CheckCreate = %+v, %v; want no risk", name, risk, err)
		}
	}
	if risk, err := CheckCreate(dir, "badmailfrom", nil); err != nil || risk != nil {
		t.Errorf("badmailfrom: CheckCreate = %+v, %v; want no risk", risk, err)
	}
}
