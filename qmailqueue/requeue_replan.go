package qmailqueue

// Replan plans again, under the quarantine's lock, a requeue planned before
// the lock was taken (while a person looked at the plan): it reads the
// planned entries from the manifests as they are now, so that an entry
// another qq requeued since is left out (requeued twice it would be mail
// delivered twice) unless again is true, one purged since is left out,
// and one that can no longer go back (its message in the queue again, its
// kept file gone) is refused. gone counts the planned entries left out.
// z must be open (its lock held) until the requeue is done.
func (z *Quarantine) Replan(q *Queue, todo []QuarantineEntry, again bool) (plan *RequeuePlan, gone int, err error) {
	names := make(map[string]bool, len(todo))
	for i := range todo {
		names[todo[i].Name()] = true
	}
	all, _, err := LoadQuarantine(z.Dir)
	if err != nil {
		return nil, 0, err
	}
	var now []QuarantineEntry
	for i := range all {
		if names[all[i].Name()] {
			now = append(now, all[i])
		}
	}
	plan = PlanRequeue(q, now, again)
	return plan, len(todo) - len(plan.Todo) - len(plan.Refused), nil
}
