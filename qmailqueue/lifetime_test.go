package qmailqueue

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReadLifetime(t *testing.T) {
	tests := []struct {
		content string // "" for no file
		want    time.Duration
	}{
		{"", DefaultLifetime},
		{"3600\n", time.Hour},
		{"86400 # a day\n", 24 * time.Hour},
		{"soon\n", DefaultLifetime},
		{"\n", DefaultLifetime},
		{"4294967295\n", DefaultLifetime}, // -1 as a C int
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if tt.content != "" {
			if err := os.WriteFile(filepath.Join(dir, "queuelifetime"), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := ReadLifetime(dir)
		if err != nil || got != tt.want {
			t.Errorf("queuelifetime %q: ReadLifetime = %v, %v; want %v", tt.content, got, err, tt.want)
		}
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "queuelifetime"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLifetime(dir); err == nil {
		t.Errorf("queuelifetime a directory: no error")
	}
}
