package qmailqueue

import (
	"path/filepath"
	"time"
)

// QuarantineEntryView is the JSON view of a quarantine entry (qq
// quarantine list --format json prints one per line): the entry as its
// manifest line records it, with where its files are and its status now.
type QuarantineEntryView struct {
	Entry      string                    `json:"entry"`
	Kind       string                    `json:"kind"`
	ID         uint64                    `json:"id"`
	RemovedAt  string                    `json:"removed_at"`
	Birth      string                    `json:"birth"`
	Size       int64                     `json:"size"`
	Sender     string                    `json:"sender"`
	Recipients []QuarantineRecipientView `json:"recipients"`
	Subject    string                    `json:"subject"`
	Reason     string                    `json:"reason"`
	State      string                    `json:"state"`
	Linked     bool                      `json:"linked"`
	Mess       string                    `json:"mess"`
	Status     string                    `json:"status"`
	RequeuedAs *uint64                   `json:"requeued_as"`
	// SenderKnown is false when no sender was kept (Sender is then "").
	SenderKnown bool           `json:"sender_known"`
	Files       []KeptFileView `json:"files,omitempty"`
}

// QuarantineRecipientView is a recipient of a [QuarantineEntryView], as
// qq list shows a message's recipients: every one was still pending.
type QuarantineRecipientView struct {
	Address string `json:"address"`
	Channel string `json:"channel"`
	Done    bool   `json:"done"`
}

// KeptFileView is a file an fsck save or an unlisted entry holds: its path
// and where it was in the queue.
type KeptFileView struct {
	Path string `json:"path"`
	From string `json:"from,omitempty"`
}

// View returns the JSON view of the entry of the quarantine in dir, with
// status ([QuarantineEntry.Status]).
func (e *QuarantineEntry) View(dir, status string) QuarantineEntryView {
	rfc3339 := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	v := QuarantineEntryView{Entry: e.Name(), Kind: string(e.Kind), ID: e.ID, RemovedAt: rfc3339(e.RemovedAt),
		Birth: rfc3339(e.Birth), Size: e.Size, Sender: string(e.Sender), Recipients: []QuarantineRecipientView{},
		Subject: e.Subject, Reason: e.Reason, State: e.State, Linked: e.Linked, Mess: e.MessPath(dir),
		Status: status, SenderKnown: e.SenderKnown}
	for _, r := range e.Recipients {
		v.Recipients = append(v.Recipients, QuarantineRecipientView{Address: string(r.Address), Channel: r.Channel})
	}
	for _, f := range e.Files {
		v.Files = append(v.Files, KeptFileView{Path: filepath.Join(dir, e.Run, f.Name), From: f.From})
	}
	if e.RequeuedAt != nil {
		id := e.RequeuedAs
		v.RequeuedAs = &id
	}
	return v
}
