// Package metrics writes a queue snapshot ([report.Snapshot]) and
// qmail-send's supervise state in the Prometheus text exposition format,
// version 0.0.4, which Prometheus and node_exporter's textfile collector
// read. It generates the format only; serving it over HTTP or writing it to
// a file is the caller's business.
package metrics
