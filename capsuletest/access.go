package capsuletest

import (
	"fmt"
	"net/http"
)

// Access rules of the real Capsule (capsule-api-rest.md §6.1, §7, §8.1,
// §8.4, §9.1).
//
// Users are administrators or normal users (private key "_admin" on the
// user record). The seed has one of each with a token: Server.Token
// (administrator) and Server.UserToken (normal user). Routes registered
// with adminOnly() answer a normal user 403 with Capsule's error body,
// {"message": ...}, before the store is touched: creating, updating,
// archiving and restoring pipelines and boards; creating, updating and
// deleting stages, lost reasons and titles; subscribing and unsubscribing
// REST hooks.
//
// REST hooks also need a token issued to an OAuth application (a token
// carries its client id when the fake's OAuth flow issued it, or when
// Server.AddAppToken added it): a personal token is refused 403 on
// subscribe and unsubscribe. Listing and showing through an application
// see only the hooks that application created; a personal token sees all.

// Capsule's 403 messages; Capsule documents the status and the JSON body,
// not these words.
const (
	msgAdminOnly    = "You must be an account administrator to perform this action"
	msgHooksNeedApp = "REST hooks can only be managed by a registered OAuth application"
)

// adminOnly marks a route as allowed to account administrators only.
func adminOnly() routeOption {
	return func(r *route) {
		h := r.h
		r.h = func(c *call) *reply {
			if !c.isAdmin() {
				return errReply(http.StatusForbidden, msgAdminOnly)
			}
			return h(c)
		}
	}
}

// oauthAppOnly marks a route as allowed to OAuth application tokens only.
func oauthAppOnly() routeOption {
	return func(r *route) {
		h := r.h
		r.h = func(c *call) *reply {
			if c.tok == nil || c.tok.clientID == "" {
				return errReply(http.StatusForbidden, msgHooksNeedApp)
			}
			return h(c)
		}
	}
}

// isAdmin reports whether the caller's user is an account administrator.
func (c *call) isAdmin() bool {
	u, found := c.f.coll("users").get(c.user)
	return found && u["_admin"] == true
}

// seedAdminUser and seedNormalUser are the indexes in seedUserNames of the
// users who own Server.Token and Server.UserToken.
const (
	seedAdminUser  = 0
	seedNormalUser = 1
)

// addUserToken registers a read+write personal token (clientID "") or an
// OAuth application token of userID. It panics when the user does not
// exist; the message never carries the token.
func (f *fake) addUserToken(tok string, userID int64, clientID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, found := f.coll("users").get(userID); !found {
		panic(fmt.Sprintf("capsuletest: no user %d", userID))
	}
	f.tokens[tok] = &token{user: userID, scope: "read write", clientID: clientID}
}

// AddUserToken registers a read+write personal access token of the user
// with the given id (see Users in the seed: CurrentUserID is an
// administrator, NormalUserID is not). It panics when there is no such user.
func (s *Server) AddUserToken(token string, userID int64) { s.f.addUserToken(token, userID, "") }

// AddAppToken registers a read+write token of the user with the given id
// as if the OAuth application clientID had obtained it through the OAuth
// flow: REST hooks accept it, and it sees only the hooks that application
// created. It panics when there is no such user.
func (s *Server) AddAppToken(token, clientID string, userID int64) {
	s.f.addUserToken(token, userID, clientID)
}

// NormalUserID returns the id of the seeded user who is not an account
// administrator and owns Server.UserToken.
func (s *Server) NormalUserID() int64 { return s.f.normalUser }
