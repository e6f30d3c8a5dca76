package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesCurrentUser(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuf
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", "3", "-token", "tok-123"}, &out, ready)
	}()

	var info [2]string
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("server did not start")
	}
	if !strings.Contains(out.String(), info[0]) || !strings.Contains(out.String(), "tok-123") {
		t.Errorf("startup output %q lacks base URL or token", out.String())
	}
	req, _ := http.NewRequest("GET", info[0]+"/users/current", nil)
	req.Header.Set("Authorization", "Bearer "+info[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		User struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"user"`
	}
	err = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 || body.User.ID == 0 || body.User.Username == "" {
		t.Fatalf("GET /users/current: status %d, err %v, body %+v", res.StatusCode, err, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestRunBadFlag(t *testing.T) {
	var out syncBuf
	if err := run(context.Background(), []string{"-nope"}, &out, nil); err == nil {
		t.Fatal("want an error for an unknown flag")
	}
}

func TestExitCodes(t *testing.T) {
	var out syncBuf
	err := run(context.Background(), []string{"-h"}, &out, nil)
	if got := exitCode(err); got != 0 {
		t.Errorf("-h: exit %d (%v), want 0", got, err)
	}
	if !strings.Contains(out.String(), "-addr") {
		t.Errorf("-h prints the flags, got %q", out.String())
	}
	err = run(context.Background(), []string{"-nope"}, &out, nil)
	if got := exitCode(err); got != 2 {
		t.Errorf("-nope: exit %d (%v), want 2", got, err)
	}
	err = run(context.Background(), []string{"-addr", "256.0.0.1:1"}, &out, nil)
	if got := exitCode(err); got != 1 {
		t.Errorf("a bad address: exit %d (%v), want 1", got, err)
	}
}
