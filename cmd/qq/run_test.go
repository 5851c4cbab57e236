package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runQQ runs the qq command tree in this process, with TZ=UTC and colour
// off, and returns its exit code and output.
func runQQ(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	return runQQEnv(t, ctx, map[string]string{"TZ": "UTC", "NO_COLOR": "1"}, args...)
}

// runQQEnv is runQQ with exactly the environment env.
func runQQEnv(t *testing.T, ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return code, stdout.String(), stderr.String()
}
