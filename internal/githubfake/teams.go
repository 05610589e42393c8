package githubfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// team is an organization's team; GitHub matches slugs and logins without
// regard to case.
type team struct {
	id      int64
	members map[string]string // by lower-case login: "active" or "pending"
}

func teamKey(org, slug string) string { return strings.ToLower(org + "/" + slug) }

// AddTeamMember makes user an active member of the team with slug team in
// org, creating the team if need be.
func (f *Fake) AddTeamMember(org, team, user string) {
	f.setTeamMembership(org, team, user, "active")
}

// InviteTeamMember adds user to the team as GitHub does someone invited to
// the organization who has not accepted yet: the membership is pending.
func (f *Fake) InviteTeamMember(org, team, user string) {
	f.setTeamMembership(org, team, user, "pending")
}

func (f *Fake) setTeamMembership(org, slug, user, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.teams[teamKey(org, slug)]
	if t == nil {
		t = &team{id: f.newID(), members: map[string]string{}}
		f.teams[teamKey(org, slug)] = t
	}
	t.members[strings.ToLower(user)] = state
}

// getTeamMembership answers 404 for a team that does not exist as for a user
// who is not in it, like GitHub.
func (f *Fake) getTeamMembership(w http.ResponseWriter, req *http.Request) {
	t := f.teams[teamKey(req.PathValue("org"), req.PathValue("team_slug"))]
	user := req.PathValue("username")
	var state string
	if t != nil {
		state = t.members[strings.ToLower(user)]
	}
	if state == "" {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user")
		return
	}
	m := f.examples.object("team-membership-response-if-user-is-a-team-maintainer")
	m["url"] = fmt.Sprintf("%s/teams/%d/memberships/%s", apiRoot, t.id, url.PathEscape(user))
	m["role"], m["state"] = "member", state
	writeJSON(w, http.StatusOK, m)
}
