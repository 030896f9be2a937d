# pipelines/interop.mk - `make interop`: the skip-gram vectors of the w2v pipeline exported
# to word2vec text and binary (knn --convert), read back by gensim and by knn, and evaluated
# by both: analogy accuracy (gensim's convention, first INTEROP_RESTRICT words) and
# WordSim-353 Spearman. The report fails if any two numbers differ by more than
# INTEROP_TOLERANCE. Skipped, with a message, when gensim cannot be imported.
INTEROP           := $(RUNS)/interop
INTEROP_PYTHON    ?= /usr/bin/python3
INTEROP_RESTRICT  ?= 30000
INTEROP_TOLERANCE ?= 1e-4
INTEROP_EVAL      := tests/interop/knn_gensim_eval.py
# This file is included before w2v.mk, whose variables are not yet set when the rules
# below are read: the shared ones get the same defaults here.
INTEROP_W2V       := $(RUNS)/w2v
W2V_QUESTIONS     ?= $(DATA)/questions-words.txt
W2V_WORDSIM       ?= $(DATA)/wordsim353.tsv

$(eval $(call stamp_rule,$(INTEROP)/params.txt,questions=$(W2V_QUESTIONS) wordsim=$(W2V_WORDSIM) restrict=$(INTEROP_RESTRICT) python=$(INTEROP_PYTHON)))

$(INTEROP)/sg.txt: $(INTEROP_W2V)/sg.vec
	@mkdir -p $(@D)
	$(BIN)/knn --convert txt -o $@ $<

$(INTEROP)/sg.bin: $(INTEROP_W2V)/sg.vec
	@mkdir -p $(@D)
	$(BIN)/knn --convert bin -o $@ $<

# key<TAB>value lines: total (analogy accuracy), seen, spearman, ...
$(INTEROP)/%.gensim.tsv: $(INTEROP)/% $(INTEROP_EVAL) $(W2V_QUESTIONS) $(W2V_WORDSIM) $(INTEROP)/params.txt
	$(INTEROP_PYTHON) $(INTEROP_EVAL) $< $(W2V_QUESTIONS) $(W2V_WORDSIM) $(INTEROP_RESTRICT) > $@

$(INTEROP)/%.knn.tsv: $(INTEROP)/% $(W2V_QUESTIONS) $(W2V_WORDSIM) $(INTEROP)/params.txt
	$(BIN)/knn --analogy $(W2V_QUESTIONS) --convention gensim -r $(INTEROP_RESTRICT) $< \
	    | awk -F'\t' '$$1 == "total" { printf "total\t%.6f\nseen\t%d\n", $$5, $$3 }' > $@
	$(BIN)/knn --similarity $(W2V_WORDSIM) -r $(INTEROP_RESTRICT) $< \
	    | awk -F'\t' '$$1 == "spearman" { printf "spearman\t%.6f\n", $$2 }' >> $@

INTEROP_EVALS := $(foreach f,sg.txt sg.bin,$(foreach r,gensim knn,$(INTEROP)/$(f).$(r).tsv))

$(INTEROP)/report.md: $(INTEROP_EVALS)
	@rm -f $@; echo "interop: writing $@"
	@{ echo "# word2vec formats read back by gensim and knn"; echo; \
	  echo "Skip-gram vectors of $(INTEROP_W2V); analogies: $(notdir $(W2V_QUESTIONS)) (gensim's convention, first $(INTEROP_RESTRICT) words); similarity: $(notdir $(W2V_WORDSIM))."; echo; \
	  echo "| format | reader | analogy total | questions seen | WordSim-353 Spearman |"; \
	  echo "|---|---|---:|---:|---:|"; \
	  for f in txt bin; do for r in gensim knn; do \
	    v() { awk -F'\t' -v k="$$1" '$$1 == k { print $$2 }' $(INTEROP)/sg.$$f.$$r.tsv; }; \
	    echo "| $$f | $$r | $$(v total) | $$(v seen) | $$(v spearman) |"; \
	  done; done; } > $@.tmp
	@# every number must agree with the first row's within the tolerance
	@awk -F' *\\| *' -v tol=$(INTEROP_TOLERANCE) 'NR > 6 && NF > 5 { \
	    if (!n++) { a = $$4; s = $$6; q = $$5; next } \
	    d1 = $$4 - a; d2 = $$6 - s; if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2; \
	    if (d1 > tol || d2 > tol || $$5 != q) { bad = 1; \
	        printf "interop: %s read by %s differs: analogy %s vs %s, seen %s vs %s, spearman %s vs %s\n", \
	            $$2, $$3, $$4, a, $$5, q, $$6, s > "/dev/stderr" } } \
	    END { exit bad || n < 4 }' $@.tmp || { cat $@.tmp; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

.PHONY: interop interop-report
## interop: sg vectors to word2vec text/binary, read back by gensim and knn: $(RUNS)/interop/report.md
interop: $(INTEROP_W2V)/sg.vec
	@if ! $(INTEROP_PYTHON) -c 'import gensim' 2>/dev/null; then \
	    echo "interop: skipped: $(INTEROP_PYTHON) cannot import gensim;"; \
	    echo "interop: install it with: sudo apt-get install python3-gensim (or make deps-interop as root)"; \
	    exit 0; fi; \
	$(MAKE) --no-print-directory interop-report

interop-report: $(INTEROP)/report.md
	@cat $<
