package control

import (
	"os"
	"path/filepath"
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
