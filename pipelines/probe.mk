# pipelines/probe.mk - `make probe` (issue 16): do contextual vectors beat static ones?
# Wikipedia text -> Penn-style tokens -> a character-input biLM trained for a time budget
# (checkpointed, resumed exactly when the target is made again) and skip-gram vectors on the
# same tokens -> EWT train and dev embedded both ways -> one linear probe per representation
# -> runs/probe/report.md (dev UPOS accuracy, accuracy on words unseen in EWT train, probe
# training time) and a bar chart when gnuplot is installed.
PROBE          := $(RUNS)/probe
PROBE_WIKI     ?= $(DATA)/enwiki-extract.txt.gz
PROBE_EWT      ?= $(DATA)/ud-ewt
# every PROBE_HOLDOUT-th Wikipedia document is kept out of training, for held-out perplexity
PROBE_HOLDOUT  ?= 100
PROBE_MIN      ?= 3
PROBE_WORDS    ?= 50000
PROBE_BUDGET   ?= 4h
# the sizes: see README, "Contextual vectors" (the smaller CNN of the 25-minute comparison)
PROBE_LM_FLAGS ?= --char-input --hidden 512 --proj 128 --filters 1:32,2:32,3:64,4:128,5:128,6:128 \
                  --highway 1 --sampled 2048 --batch 64 --unroll 20 --optim adagrad --lr 0.2 --seed 1
PROBE_LM_THREADS ?= 2
PROBE_SG_FLAGS ?= --sg -d 256 -w 5 -n 5 -s 1e-4 -e 5 --seed 1
PROBE_FLAGS    ?= --seed 1
PROBE_COLUMN   ?= upos
# the hidden layer of the h-... rows' probes (ReLU units)
PROBE_HIDDEN   ?= 256
PROBE_BINS     := $(addprefix $(BIN)/,tok vocab elmo-train w2v-train embed probe wpcat)

.PHONY: probe
## probe: biLM layers vs skip-gram vs baseline on EWT POS tagging -> runs/probe/report.md
probe: $(PROBE)/report.md

$(eval $(call stamp_rule,$(PROBE)/params-text.txt,wiki=$(PROBE_WIKI) holdout=$(PROBE_HOLDOUT)))
$(eval $(call stamp_rule,$(PROBE)/params-vocab.txt,min=$(PROBE_MIN) words=$(PROBE_WORDS)))
$(eval $(call stamp_rule,$(PROBE)/params-lm.txt,budget=$(PROBE_BUDGET) "flags=$(PROBE_LM_FLAGS)" threads=$(PROBE_LM_THREADS)))
$(eval $(call stamp_rule,$(PROBE)/params-lm-arch.txt,"flags=$(PROBE_LM_FLAGS)" min=$(PROBE_MIN) words=$(PROBE_WORDS) wiki=$(PROBE_WIKI)))
$(eval $(call stamp_rule,$(PROBE)/params-sg.txt,"flags=$(PROBE_SG_FLAGS)"))
$(eval $(call stamp_rule,$(PROBE)/params-probe.txt,"flags=$(PROBE_FLAGS)" column=$(PROBE_COLUMN)))
$(eval $(call stamp_rule,$(PROBE)/params-hidden.txt,hidden=$(PROBE_HIDDEN)))

# Wikipedia: the <doc ...> and </doc> lines and each document's title line dropped; every
# PROBE_HOLDOUT-th document held out. Penn-style tokens (as EWT's), sentences split inside
# the extract's paragraph lines.
PROBE_AWK = awk -v every=$(PROBE_HOLDOUT) -v want=$(1) \
    '/^<doc /{ d++; t = 1; next } /^<\/doc>/{ next } t { t = 0; next } \
     ((d % every == 0) == want) { print }'
$(eval $(call data_stamp_rule,$(PROBE_WIKI)))
$(PROBE)/wiki-train.tok: $(call data_stamp,$(PROBE_WIKI)) $(PROBE)/params-text.txt | $(PROBE_WIKI) $(BIN)/tok
	zcat $(PROBE_WIKI) | $(call PROBE_AWK,0) | $(BIN)/tok -q --penn --sentences -o $@
$(PROBE)/wiki-heldout.tok: $(call data_stamp,$(PROBE_WIKI)) $(PROBE)/params-text.txt | $(PROBE_WIKI) $(BIN)/tok
	zcat $(PROBE_WIKI) | $(call PROBE_AWK,1) | $(BIN)/tok -q --penn --sentences -o $@
$(PROBE)/wiki.vocab: $(PROBE)/wiki-train.tok $(PROBE)/params-vocab.txt | $(BIN)/vocab
	$(BIN)/vocab -q -m $(PROBE_MIN) --max-words $(PROBE_WORDS) -o $@ $<

# The biLM: trained until PROBE_BUDGET of training time is spent, checkpointed every 10
# minutes; making the target again after an interruption resumes the checkpoint exactly
# (the budget counts the time already spent). Held-out perplexity (full softmax, both
# directions) on the held-out documents, at the end.
$(PROBE)/lm.model: $(PROBE)/wiki-train.tok $(PROBE)/wiki.vocab $(PROBE)/wiki-heldout.tok \
                   $(PROBE)/params-lm.txt $(PROBE)/params-lm-arch.txt | $(BIN)/elmo-train
	{ git rev-parse --short HEAD 2>/dev/null || echo unknown; } >> $(PROBE)/lm.commits
	if [ -e $(PROBE)/lm.ckpt ] && cmp -s $(PROBE)/params-lm-arch.txt $(PROBE)/lm.ckpt.params; then \
	    $(BIN)/elmo-train --resume $(PROBE)/lm.ckpt --budget $(PROBE_BUDGET) -t $(PROBE_LM_THREADS) \
	        --test $(PROBE)/wiki-heldout.tok --log $(PROBE)/lm.log --checkpoint $(PROBE)/lm.ckpt \
	        --checkpoint-every 10m -o $@ $(PROBE)/wiki-train.tok; \
	else \
	    rm -f $(PROBE)/lm.ckpt; cp $(PROBE)/params-lm-arch.txt $(PROBE)/lm.ckpt.params; \
	    git rev-parse --short HEAD > $(PROBE)/lm.commits 2>/dev/null || echo unknown > $(PROBE)/lm.commits; \
	    $(BIN)/elmo-train $(PROBE_LM_FLAGS) --budget $(PROBE_BUDGET) -t $(PROBE_LM_THREADS) \
	        -v $(PROBE)/wiki.vocab --test $(PROBE)/wiki-heldout.tok --log $(PROBE)/lm.log \
	        --checkpoint $(PROBE)/lm.ckpt --checkpoint-every 10m -o $@ $(PROBE)/wiki-train.tok; \
	fi
	awk '!seen[$$0]++' $(PROBE)/lm.commits | paste -sd, - > $(PROBE)/lm.commit

# Skip-gram on the same tokens, with the same vocabulary.
$(PROBE)/sg.vec: $(PROBE)/wiki-train.tok $(PROBE)/wiki.vocab $(PROBE)/params-sg.txt | $(PROBE_BINS)
	$(BIN)/w2v-train -q $(PROBE_SG_FLAGS) -t 2 -v $(PROBE)/wiki.vocab -o $@ $<

# EWT: the words of each sentence and their labels, aligned sentence for sentence.
$(foreach split,train dev,$(eval $(call data_stamp_rule,$(PROBE_EWT)/en_ewt-ud-$(split).conllu.gz)))
$(PROBE)/ewt-%.words: $(call data_stamp,$(PROBE_EWT)/en_ewt-ud-%.conllu.gz) \
                      | $(PROBE_EWT)/en_ewt-ud-%.conllu.gz $(PROBE_BINS)
	@mkdir -p $(@D)
	$(BIN)/tok -q --conllu -o $@ $(PROBE_EWT)/en_ewt-ud-$*.conllu.gz
$(PROBE)/ewt-%.labels: $(call data_stamp,$(PROBE_EWT)/en_ewt-ud-%.conllu.gz) \
                       $(PROBE)/params-probe.txt | $(PROBE_EWT)/en_ewt-ud-%.conllu.gz $(PROBE_BINS)
	$(BIN)/tok -q --conllu --column $(PROBE_COLUMN) -o $@ $(PROBE_EWT)/en_ewt-ud-$*.conllu.gz
$(PROBE)/ewt-%.elmo: $(PROBE)/lm.model $(PROBE)/ewt-%.words | $(PROBE_BINS)
	$(BIN)/embed -q --model $< --all-layers -t 2 -o $@ $(PROBE)/ewt-$*.words
$(PROBE)/ewt-%.sg: $(PROBE)/sg.vec $(PROBE)/ewt-%.words | $(PROBE_BINS)
	$(BIN)/embed -q --vectors $< --oov zero -o $@ $(PROBE)/ewt-$*.words

# One probe per row: NAME, its vectors (elmo or sg) and its probe options.
# Rows named h-... train a probe with one hidden layer (PROBE_HIDDEN ReLU units, set at the
# top; its stamp is theirs alone): a stronger classifier, reported in a table of its own.
PROBE_ROWS := sg:sg: layer0:elmo:--layer_0 layer1:elmo:--layer_1 layer2:elmo:--layer_2 \
              mix:elmo:--learn-mix concat:elmo:--concat h-sg:sg:--hidden_$(PROBE_HIDDEN) \
              h-concat:elmo:--concat_--hidden_$(PROBE_HIDDEN)
define probe_row
$(PROBE)/row-$(1).tsv: $(PROBE)/ewt-train.$(2) $(PROBE)/ewt-dev.$(2) $(PROBE)/ewt-train.labels \
                       $(PROBE)/ewt-dev.labels $(PROBE)/params-probe.txt \
                       $(if $(filter h-%,$(1)),$(PROBE)/params-hidden.txt) | $(PROBE_BINS)
	t0=$$$$(date +%s.%N); \
	$(BIN)/probe -q $(PROBE_FLAGS) $(subst _, ,$(3)) -t 2 --dev $(PROBE)/ewt-dev.$(2) \
	    --dev-labels $(PROBE)/ewt-dev.labels -o $(PROBE)/row-$(1).probe \
	    $(PROBE)/ewt-train.$(2) $(PROBE)/ewt-train.labels; \
	t1=$$$$(date +%s.%N); \
	$(BIN)/probe --eval -q --model $(PROBE)/row-$(1).probe --format tsv \
	    $(PROBE)/ewt-dev.$(2) $(PROBE)/ewt-dev.labels > $$@.tmp; \
	printf 'seconds\tall\t%.1f\n' "$$$$(echo "$$$$t1 - $$$$t0" | bc)" >> $$@.tmp; \
	mv $$@.tmp $$@
endef
$(foreach r,$(PROBE_ROWS),$(eval $(call probe_row,$(word 1,$(subst :, ,$(r))),$(word 2,$(subst :, ,$(r))),$(word 3,$(subst :, ,$(r))))))

# The baseline: each word's most frequent tag in EWT train, the most frequent tag overall
# for words never seen there.
$(PROBE)/row-baseline.tsv: $(PROBE)/ewt-train.words $(PROBE)/ewt-train.labels \
                           $(PROBE)/ewt-dev.words $(PROBE)/ewt-dev.labels | $(PROBE_BINS)
	paste -d '\n' <($(BIN)/wpcat --lines $(PROBE)/ewt-train.words) \
	              <($(BIN)/wpcat --lines $(PROBE)/ewt-train.labels) > $@.train
	paste -d '\n' <($(BIN)/wpcat --lines $(PROBE)/ewt-dev.words) \
	              <($(BIN)/wpcat --lines $(PROBE)/ewt-dev.labels) > $@.dev
	awk -f pipelines/probe-baseline.awk $@.train $@.dev > $@.tmp
	rm -f $@.train $@.dev
	mv $@.tmp $@

PROBE_REPORT_ROWS := baseline $(foreach r,$(PROBE_ROWS),$(word 1,$(subst :, ,$(r))))
$(PROBE)/report.md: $(foreach r,$(PROBE_REPORT_ROWS),$(PROBE)/row-$(r).tsv) pipelines/probe-report.sh
	pipelines/probe-report.sh $(PROBE) "$(PROBE_BUDGET)" $(PROBE_REPORT_ROWS) > $@.tmp
	mv $@.tmp $@
	$(if $(HAVE_GNUPLOT),gnuplot -e "dat='$(PROBE)/chart.dat'; out='$(PROBE)/chart.png'" pipelines/plot-probe.gp,@echo "probe: gnuplot not installed, no chart")

# The table for the biLM's latest checkpoint, while its run goes on or after it was stopped
# (a session's end): runs/probe/snapshot/report.md. Every input is hard-linked from
# runs/probe (the run replaces its checkpoint by renaming, so the link keeps the one taken);
# only the biLM rows are computed again.
PROBE_SNAP := $(PROBE)/snapshot
PROBE_SNAP_LINKS := params-text.txt params-vocab.txt params-sg.txt params-probe.txt params-hidden.txt \
                    wiki-train.tok wiki.vocab sg.vec ewt-train.words ewt-dev.words \
                    ewt-train.labels ewt-dev.labels ewt-train.sg ewt-dev.sg row-baseline.tsv \
                    $(foreach r,sg h-sg,row-$(r).tsv row-$(r).probe)
.PHONY: probe-snapshot
## probe-snapshot: make probe's table for the biLM's latest checkpoint (runs/probe/snapshot/)
probe-snapshot:
	@test -e $(PROBE)/lm.ckpt || { echo "probe-snapshot: no $(PROBE)/lm.ckpt yet: run make probe" >&2; exit 2; }
	$(MAKE) --no-print-directory $(PROBE)/row-baseline.tsv $(PROBE)/row-sg.tsv $(PROBE)/row-h-sg.tsv
	rm -rf $(PROBE_SNAP) && mkdir -p $(PROBE_SNAP)
	ln $(PROBE)/lm.ckpt $(PROBE_SNAP)/lm.model
	for f in $(PROBE_SNAP_LINKS); do ln $(PROBE)/$$f $(PROBE_SNAP)/$$f; done
	echo "$$(awk '!seen[$$0]++' $(PROBE)/lm.commits 2>/dev/null | paste -sd, -) (a checkpoint: every commit that (re)started its run)" > $(PROBE_SNAP)/lm.commit
	$(BIN)/wpcat --stat $(PROBE_SNAP)/lm.model | awk -F'\t' \
	    '$$1 == "meta.train_seconds" { s = $$2 } $$1 == "meta.trained_tokens" { t = $$2 } \
	     END { printf "%s (checkpoint after %.0f s of training, %.2fM tokens)\n", b, s, t / 1e6 }' \
	    b='$(PROBE_BUDGET)' > $(PROBE_SNAP)/budget.txt
	$(MAKE) --no-print-directory PROBE=$(PROBE_SNAP) -o $(PROBE_SNAP)/lm.model \
	    PROBE_BUDGET="$$(cat $(PROBE_SNAP)/budget.txt)" \
	    $(PROBE_SNAP)/report.md
