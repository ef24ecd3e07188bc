package policy

import (
	"strconv"
)

// maxRights is how many compiled sets of rights a Policy remembers. Peers
// to which the same rules apply share one; past the bound, each new
// connection compiles its own.
const maxRights = 1024

// rights are the compiled rights of a set of rules. They are immutable,
// and shared by the Grants of every peer the same rules apply to.
type rights struct {
	publish   nameSet // commands that may be published
	admin     nameSet // commands that may be administered
	consume   nameSet // commands that may be consumed in any group
	consumeIn []*rule // rules that allow consuming only in some groups
}

// rightsFor returns the compiled rights of the rules idx.
func (p *Policy) rightsFor(idx []int) *rights {
	key := make([]byte, 0, 4*len(idx))
	for _, i := range idx {
		key = strconv.AppendInt(append(key, ','), int64(i), 10)
	}
	p.rightsMu.Lock()
	r, ok := p.rightsOf[string(key)]
	p.rightsMu.Unlock()
	if ok {
		return r
	}
	r = &rights{}
	for _, i := range idx {
		r.add(&p.rules[i])
	}
	p.rightsMu.Lock()
	defer p.rightsMu.Unlock()
	if len(p.rightsOf) < maxRights {
		if p.rightsOf == nil {
			p.rightsOf = make(map[string]*rights)
		}
		p.rightsOf[string(key)] = r
	}
	return r
}

// add adds a rule's rights.
func (r *rights) add(ru *rule) {
	r.publish.merge(&ru.publish)
	r.admin.merge(&ru.admin)
	switch {
	case ru.consume.empty():
	case ru.groups == nil:
		r.consume.merge(&ru.consume)
	default:
		r.consumeIn = append(r.consumeIn, ru)
	}
}

// allows reports whether the rights allow action on command (in group,
// for Consume).
func (r *rights) allows(action Action, command, group string) bool {
	switch action {
	case Publish:
		return r.publish.match(command)
	case Admin:
		return r.admin.match(command)
	case Consume:
		return r.consume.match(command) || r.consumeInGroup(command, group)
	}
	return false
}

// consumeInGroup reports whether a group-restricted rule allows consuming
// command in group.
func (r *rights) consumeInGroup(command, group string) bool {
	if group == "" {
		group = defaultGroupName
	}
	for _, ru := range r.consumeIn {
		if ru.consume.match(command) && ru.groups.match(group) {
			return true
		}
	}
	return false
}
