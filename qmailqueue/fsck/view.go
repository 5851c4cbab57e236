package fsck

// The JSON views of qq fsck --format json: one object a line, "type"
// "finding", "step" or "summary". Add fields, never rename or remove them.

// FindingView is the JSON view of a finding.
type FindingView struct {
	Type      string       `json:"type"` // "finding"
	Severity  string       `json:"severity"`
	Code      string       `json:"code"`
	ID        *uint64      `json:"id"` // null without an ID
	Files     []string     `json:"files"`
	Problem   string       `json:"problem"`
	Qmail     string       `json:"qmail"`
	Repair    string       `json:"repair"`
	Transient bool         `json:"transient"`
	Actions   []ActionView `json:"actions"`
}

// ActionView is the JSON view of one repair action.
type ActionView struct {
	Op     string `json:"op"`
	Path   string `json:"path"`
	Target string `json:"target,omitempty"`
	Text   string `json:"text"` // [Action.String]
}

// StepView is the JSON view of an action planned ([Unit.Status]) or
// carried out ([Step]).
type StepView struct {
	Type   string     `json:"type"`   // "step"
	Status string     `json:"status"` // planned, refused, superseded, done, skipped, failed
	Action ActionView `json:"action"`
	Error  string     `json:"error,omitempty"`
	Note   string     `json:"note,omitempty"`
}

// SummaryView is the JSON view of a [Report].
type SummaryView struct {
	Type      string   `json:"type"` // "summary"
	Queue     string   `json:"queue"`
	Split     int      `json:"split"`
	BigTodo   bool     `json:"big_todo"`
	QmailSend string   `json:"qmail_send_running"`
	Messages  int      `json:"messages"`
	Errors    int      `json:"errors"`
	Warnings  int      `json:"warnings"`
	Infos     int      `json:"infos"`
	Changed   int      `json:"changed_while_checked"`
	Clean     bool     `json:"clean"`
	Notes     []string `json:"notes"`
}

// View returns the finding's JSON view; lists are empty, never null.
func (f *Finding) View() FindingView {
	v := FindingView{Type: "finding", Severity: f.Severity.String(), Code: string(f.Code), Files: f.Files,
		Problem: f.Problem, Qmail: f.Qmail, Repair: f.Repair, Transient: f.Transient, Actions: []ActionView{}}
	if f.HasID {
		id := f.ID
		v.ID = &id
	}
	if v.Files == nil {
		v.Files = []string{}
	}
	for _, act := range f.Actions {
		v.Actions = append(v.Actions, act.View())
	}
	return v
}

// View returns the action's JSON view.
func (a Action) View() ActionView {
	return ActionView{Op: string(a.Op), Path: a.Path, Target: a.Target, Text: a.String()}
}

// Status is what a plan does with the unit: "planned", "refused" (see
// Refused) or "superseded" (another unit's repair covers it).
func (u *Unit) Status() string {
	switch {
	case u.Superseded:
		return "superseded"
	case u.Refused != "":
		return "refused"
	}
	return "planned"
}

// Views returns the JSON views of the unit's actions as planned.
func (u *Unit) Views() []StepView {
	views := make([]StepView, len(u.Actions))
	for i, act := range u.Actions {
		views[i] = StepView{Type: "step", Status: u.Status(), Action: act.View(), Note: u.Refused}
	}
	return views
}

// View returns the step's JSON view: done, skipped (with a note) or failed
// (with the error).
func (s Step) View() StepView {
	v := StepView{Type: "step", Status: "done", Action: s.Action.View(), Note: s.Note}
	switch {
	case s.Err != nil:
		v.Status, v.Error = "failed", s.Err.Error()
	case s.Note != "":
		v.Status = "skipped"
	}
	return v
}

// View returns the report's JSON view; Notes is empty, never null.
func (r *Report) View() SummaryView {
	notes := r.Notes
	if notes == nil {
		notes = []string{}
	}
	return SummaryView{Type: "summary", Queue: r.Dir, Split: r.Split, BigTodo: r.BigTodo,
		QmailSend: r.QmailSend.String(), Messages: r.Messages, Errors: r.Counts[SeverityError],
		Warnings: r.Counts[SeverityWarning], Infos: r.Counts[SeverityInfo], Changed: r.Changed,
		Clean: r.Clean(), Notes: notes}
}

// Lines describes the unit for a plan listing: a line for each action,
// "plan: …" (or "refused: …", "superseded: …"), then "  because …" for a
// refused unit.
func (u *Unit) Lines() []string {
	status := u.Status()
	if status == "planned" {
		status = "plan"
	}
	var lines []string
	for _, act := range u.Actions {
		lines = append(lines, status+": "+act.String())
	}
	if u.Refused != "" {
		lines = append(lines, "  because "+u.Refused)
	}
	return lines
}
