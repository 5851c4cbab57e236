//go:build !linux

package fsck

// renameNoReplace renames src to dst unless dst exists (EEXIST), by link
// and unlink, which never replaces a file.
func renameNoReplace(src, dst string) error { return linkUnlink(src, dst) }
