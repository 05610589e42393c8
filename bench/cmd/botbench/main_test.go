package main

import (
	"slices"
	"testing"
	"time"
)

func TestProjectsAndRuns(t *testing.T) {
	projects, err := intList(defaultProjectsFlag)
	if err != nil || !slices.Equal(projects, defaultProjects) {
		t.Fatalf("the default -projects reads %v, %v; want %v", projects, err, defaultProjects)
	}
	runs, err := runList("", projects)
	if err != nil || !slices.Equal(runs, []int{3, 3, 2, 1, 1}) {
		t.Fatalf("default runs %v, %v", runs, err)
	}
	if runs, err := runList("2", []int{1, 10}); err != nil || !slices.Equal(runs, []int{2, 2}) {
		t.Fatalf("one value for all: %v, %v", runs, err)
	}
	if runs, err := runList("3,1", []int{1, 10}); err != nil || !slices.Equal(runs, []int{3, 1}) {
		t.Fatalf("one value each: %v, %v", runs, err)
	}
	for _, bad := range []string{"10,1", "1,1", "0", "x", ""} {
		if _, err := intList(bad); err == nil {
			t.Errorf("-projects %q accepted", bad)
		}
	}
	if _, err := runList("1,2,3", []int{1, 10}); err == nil {
		t.Error("three runs for two sizes accepted")
	}
}

func TestCountsNameTheLaunchersAnswers(t *testing.T) {
	at := time.Unix(100, 0)
	s := sample{
		started: []span{
			{start: at, end: at, kind: "terraform", what: "init"},
			{start: at, end: at, kind: "terraform", what: "plan"},
			{start: at, end: at, kind: "git", what: "fetch"},
		},
		launchers: 3,
	}
	got := counts(s)
	if got["terraform init"] != 1 || got["git fetch"] != 1 || got[launcherRow] != 3 || got[answerRow] != 1 {
		t.Fatalf("counts %v", got)
	}
	names := processNames(keysOf(got))
	want := []string{"terraform init", "terraform plan", "git fetch", launcherRow, answerRow}
	if !slices.Equal(names, want) {
		t.Fatalf("rows %q, want %q", names, want)
	}
}
