package fsck

import (
	"fmt"
	"slices"
)

// Plan is an ordered repair: the units of the findings that have actions,
// layout first, then removals, renames (ordered so that a rename waits for
// the one that frees its target), fixes of content, owners and modes, and
// last the removal of emptied extra directories.
type Plan struct {
	// Dir is the queue directory the plan is for.
	Dir   string
	Units []*Unit
	l     layout
}

// Unit is the repair of one finding: its actions run in order, and stop at
// the first that fails.
type Unit struct {
	Finding *Finding
	Actions []Action
	// Refused says why the unit will not run: a rename that would replace
	// another file, or a fix that waits on a refused rename.
	Refused string
	// Superseded is set on a unit that need not run: its files are the
	// new names of a message whose interrupted rename another unit
	// finishes.
	Superseded bool
	// stage marks a rename caught in a cycle (A wants B's number and B
	// wants A's): it first moves to a number of its own and finishes after
	// the others.
	stage bool
}

// Runs reports whether the unit will run.
func (u *Unit) Runs() bool { return u.Refused == "" && !u.Superseded }

// NewPlan orders the repairs of the findings a check reported. It refuses
// renames whose target is taken by a file no other unit moves or removes,
// and everything of a message that waits on a refused rename.
func NewPlan(r *Report, findings []*Finding) *Plan {
	var units []*Unit
	for _, f := range findings {
		if len(f.Actions) > 0 {
			units = append(units, &Unit{Finding: f, Actions: f.Actions})
		}
	}
	byPhase := func(p phase) []*Unit {
		var out []*Unit
		for _, u := range units {
			if u.Finding.phase == p {
				out = append(out, u)
			}
		}
		return out
	}
	removals, relocations := byPhase(phaseRemove), byPhase(phaseRelocate)

	// New names taken by another file, and new names that already link
	// the moved file (an interrupted rename). Both are rare, so the maps
	// stay small on a queue of a million restored messages.
	occupied := map[string]bool{}
	linked := map[string]bool{}
	for _, u := range relocations {
		for _, a := range u.Actions {
			if a.Op != OpLink && a.Op != OpRename || a.targetIno == 0 {
				continue
			}
			if a.targetIno == a.Ino {
				linked[a.Target] = true
			} else {
				occupied[a.Target] = true
			}
		}
	}
	// A removal of a name that already links a live message's file would
	// only drop a link the rename makes anyway.
	for _, u := range removals {
		for _, a := range u.Actions {
			if a.Op == OpRemove && linked[a.Path] {
				u.Superseded = true
			}
		}
	}
	// Which unit frees each occupied name: a removal, or a rename away.
	vacatedBy := map[string]*Unit{}
	for _, u := range append(slices.Clone(removals), relocations...) {
		for _, a := range u.Actions {
			if (a.Op == OpRemove || a.Op == OpRename) && occupied[a.Path] {
				vacatedBy[a.Path] = u
			}
		}
	}

	// Rename dependencies.
	after := map[*Unit][]*Unit{}  // unit → units that must run before it
	claimed := map[uint64]*Unit{} // target ID → the unit moving a message there
	for _, u := range relocations {
		if other, ok := claimed[u.Finding.target]; ok {
			u.Refused = fmt.Sprintf("ID %d is also the new number of another message (%s)", u.Finding.target, other.Finding.Files[0])
			continue
		}
		claimed[u.Finding.target] = u
		for _, a := range u.Actions {
			if a.Op != OpLink && a.Op != OpRename || !occupied[a.Target] {
				continue
			}
			v, ok := vacatedBy[a.Target]
			switch {
			case !ok || !v.Runs() && v.Finding.phase == phaseRemove:
				u.Refused = fmt.Sprintf("ID collision: %s exists and is another file", a.Target)
			case v.Finding.phase == phaseRelocate && v != u:
				after[u] = append(after[u], v)
			}
			if u.Refused != "" {
				break
			}
		}
	}
	relocations = orderRelocations(relocations, after)

	// Everything else of a message waits on its rename.
	refusedGroup := map[string]string{}
	for _, u := range relocations {
		if u.Refused != "" {
			refusedGroup[u.Finding.group] = u.Refused
		}
	}
	fixes := byPhase(phaseFix)
	for _, u := range fixes {
		if why, ok := refusedGroup[u.Finding.group]; ok {
			u.Refused = "waits on a refused rename: " + why
		}
	}

	p := &Plan{Dir: r.Dir, l: layout{dir: r.Dir, split: r.Split, bigTodo: r.BigTodo}}
	p.Units = append(p.Units, byPhase(phaseLayout)...)
	p.Units = append(p.Units, removals...)
	p.Units = append(p.Units, relocations...)
	p.Units = append(p.Units, fixes...)
	p.Units = append(p.Units, byPhase(phaseCleanup)...)
	for _, u := range p.Units {
		switch {
		case u.Superseded:
			u.Finding.Repair = "none needed: these are the new names of a message whose interrupted rename this repair finishes"
		case u.Refused != "":
			u.Finding.Repair = "refused: " + u.Refused
			if u.Finding.Code != CodeRenameRefused && u.Finding.phase == phaseRelocate {
				u.Finding.Repair += "; move or remove the other file by hand, then repair again"
			}
		}
	}
	return p
}

// orderRelocations sorts renames so that each runs after the renames that
// free its targets. A cycle cannot be ordered: its first unit is staged
// (moved to a number of its own first, finished after the others).
// Refused units keep their place and do not run; units waiting on a
// refused one are refused too.
func orderRelocations(units []*Unit, after map[*Unit][]*Unit) []*Unit {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[*Unit]int{}
	var out []*Unit
	var visit func(u *Unit)
	visit = func(u *Unit) {
		switch state[u] {
		case done:
			return
		case visiting:
			// A cycle through u: u steps aside first.
			u.stage = true
			return
		}
		state[u] = visiting
		for _, v := range after[u] {
			visit(v)
			if v.Refused != "" && u.Refused == "" {
				u.Refused = "waits on a refused rename: " + v.Refused
			}
		}
		state[u] = done
		out = append(out, u)
	}
	for _, u := range units {
		visit(u)
	}
	return out
}

// Counts returns how many units will run, are refused, and are
// superseded.
func (p *Plan) Counts() (runs, refused, superseded int) {
	for _, u := range p.Units {
		switch {
		case u.Superseded:
			superseded++
		case u.Refused != "":
			refused++
		default:
			runs++
		}
	}
	return runs, refused, superseded
}
