package control

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCDBKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "morercpthosts"), []byte("b.example\na.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := BuildMoreRcptHosts(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	keys, err := CDBKeys(dir, "morercpthosts.cdb")
	if want := []string{"b.example", "a.example"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("CDBKeys = %q, %v; want %q in file order", keys, err, want)
	}
	if _, err := CDBKeys(dir, "missing.cdb"); err == nil {
		t.Errorf("CDBKeys of a missing file: no error")
	}
}

func TestAddRemoveRcptHosts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rcpthosts", "a.example\n")
	write("morercpthosts", "B.example\n")
	var re *RequestError
	if _, err := AddRcptHosts(ctx, t.TempDir(), true, false, []string{"b.example"}); !errors.As(err, &re) {
		t.Errorf("AddRcptHosts without rcpthosts: %v, want a *RequestError (creating rcpthosts needs force)", err)
	}
	add, err := AddRcptHosts(ctx, dir, false, false, []string{"b.example", "c.example"})
	if err != nil {
		t.Fatal(err)
	}
	if add.File != "rcpthosts" || add.Other != "morercpthosts" || len(add.Elsewhere) != 1 || add.Elsewhere[0].Value != "B.example" {
		t.Errorf("AddRcptHosts: %+v; want b.example found in morercpthosts", add)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "rcpthosts")); string(data) != "a.example\nc.example\n" {
		t.Errorf("rcpthosts = %q, want a.example and c.example only", data)
	}
	removed, err := RemoveRcptHosts(ctx, dir, []string{"a.example", "b.example", "z.example", "z.example"})
	if err != nil {
		t.Fatal(err)
	}
	changes, notFound := removed.Changes, removed.NotFound
	if removed.Removed() != 2 {
		t.Errorf("Removed() = %d, want 2", removed.Removed())
	}
	if len(changes) != 2 || len(changes[0].Removed) != 1 || len(changes[1].Removed) != 1 {
		t.Errorf("RemoveRcptHosts changes = %+v; want one removal from each file", changes)
	}
	if !slices.Equal(notFound, []string{"z.example"}) {
		t.Errorf("notFound = %q, want z.example once", notFound)
	}
}
