package control

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadLocalIP(t *testing.T) {
	dir := t.TempDir()
	if lip, err := ReadLocalIP(dir); lip != nil || err != nil {
		t.Errorf("without localiphost and me: ReadLocalIP = %+v, %v; want nil, nil", lip, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "me"), []byte("mx.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lip, err := ReadLocalIP(dir)
	if err != nil || lip == nil || lip.Host != "mx.example" {
		t.Fatalf("with me only: ReadLocalIP = %+v, %v; want host mx.example", lip, err)
	}
	if !lip.IsMe([4]byte{0, 0, 0, 0}) || lip.IsMe([4]byte{192, 0, 2, 255}) {
		t.Errorf("IsMe: 0.0.0.0 is always this host (ipme.c), 192.0.2.255 (TEST-NET) never is")
	}
	if err := os.WriteFile(filepath.Join(dir, "localiphost"), []byte("lit.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if lip, err := ReadLocalIP(dir); err != nil || lip.Host != "lit.example" {
		t.Errorf("localiphost wins over me: %+v, %v", lip, err)
	}
}

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
	add, err := AddRcptHosts(ctx, dir, false, []string{"b.example", "c.example"})
	if err != nil {
		t.Fatal(err)
	}
	if add.File != "rcpthosts" || add.Other != "morercpthosts" || len(add.Elsewhere) != 1 || add.Elsewhere[0].Value != "B.example" {
		t.Errorf("AddRcptHosts: %+v; want b.example found in morercpthosts", add)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "rcpthosts")); string(data) != "a.example\nc.example\n" {
		t.Errorf("rcpthosts = %q, want a.example and c.example only", data)
	}
	changes, notFound, err := RemoveRcptHosts(ctx, dir, []string{"a.example", "b.example", "z.example", "z.example"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || len(changes[0].Removed) != 1 || len(changes[1].Removed) != 1 {
		t.Errorf("RemoveRcptHosts changes = %+v; want one removal from each file", changes)
	}
	if !slices.Equal(notFound, []string{"z.example"}) {
		t.Errorf("notFound = %q, want z.example once", notFound)
	}
}

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
