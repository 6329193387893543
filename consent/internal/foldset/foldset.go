package foldset

import "github.com/yasam/privacy/consent"

// A Set folds the events of a fixed list of subjects, each into its own
// [consent.Folder]. It is not safe for concurrent use.
type Set struct {
	idx      map[string]int
	folders  []consent.Folder
	subjects []string
}

// New returns a Set of subjects; a subject named more than once is
// folded once.
func New(subjects []string) *Set {
	s := &Set{
		idx:      make(map[string]int, len(subjects)),
		folders:  make([]consent.Folder, 0, len(subjects)),
		subjects: make([]string, 0, len(subjects)),
	}
	for _, subj := range subjects {
		if _, ok := s.idx[subj]; !ok {
			s.idx[subj] = len(s.folders)
			s.folders = append(s.folders, consent.NewFolder(consent.NewState(subj)))
			s.subjects = append(s.subjects, subj)
		}
	}
	return s
}

// Subjects returns the Set's subjects, each once, in the order first
// given: the list to read. The caller must not change it.
func (s *Set) Subjects() []string { return s.subjects }

// Apply folds e into its subject's state; an event of a subject not in
// the Set is ignored.
func (s *Set) Apply(e consent.Event) {
	if i, ok := s.idx[e.Subject]; ok {
		s.folders[i].Apply(e)
	}
}

// State returns subject's state folded so far: [consent.NewState] for a
// subject without events or not in the Set.
func (s *Set) State(subject string) consent.State {
	i, ok := s.idx[subject]
	if !ok {
		return consent.NewState(subject)
	}
	return s.folders[i].State()
}

// States returns the states of subjects, in their order.
func (s *Set) States(subjects []string) []consent.State {
	out := make([]consent.State, len(subjects))
	for i, subj := range subjects {
		out[i] = s.State(subj)
	}
	return out
}
