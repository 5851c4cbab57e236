package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// testOwners is $QQ_OWNERS for every test: all of qmail's roles are the
// test process's own ids, which is how the queue builder leaves files when
// it does not chown them. qq fsck then never takes the reference from the
// machine's qmail users, which may or may not exist.
func testOwners() string {
	uid, gid := os.Getuid(), os.Getgid()
	return fmt.Sprintf("qmailq=%d,qmails=%d,qmailr=%d,qmail=%d", uid, uid, uid, gid)
}

// runQQ runs the qq command tree in this process, with TZ=UTC, colour off
// and the test's qmail owners, and returns its exit code and output.
func runQQ(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	return runQQEnv(t, ctx, map[string]string{"TZ": "UTC", "NO_COLOR": "1", "QQ_OWNERS": testOwners()}, args...)
}

// runQQEnv is runQQ with exactly the environment env.
func runQQEnv(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}
