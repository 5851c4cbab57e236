// Package metrics writes a queue snapshot ([report.Snapshot]) and
// qmail-send's supervise state in the Prometheus text exposition format,
// version 0.0.4, which Prometheus and node_exporter's textfile collector
// read ([Write]). A [Source] measures a queue afresh for every write, to a
// file replaced whole or as an http.Handler; listening on a port is the
// caller's business.
package metrics
