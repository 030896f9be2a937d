# pipelines/ptb.mk - the Penn Treebank experiments, `make ptb` and `make elmo` (below).
# `make ptb`: the Penn Treebank language model of Zaremba et al. ("small":
# 2 x 200 LSTM, unroll 35, batch 20, SGD lr 1 halved from epoch 5, clip 5, 13 epochs) trained
# by elmo-train on word input, forward direction: tokens -> vocabulary -> model -> report.md
# with the per-epoch perplexities and the test perplexity (the paper: 114.5; the bar: <= 120),
# plus a perplexity curve when gnuplot is installed. `make ptb PTB_INPUT=char` trains the
# same model on character input for comparison; PTB_DIRECTIONS=both trains ELMo-style.
PTB           := $(RUNS)/ptb
PTB_DIR       ?= $(DATA)/ptb
PTB_EPOCHS    ?= 13
PTB_SEED      ?= 1
PTB_THREADS   ?= 2
PTB_INPUT     ?= word
PTB_DIRECTIONS ?= forward
PTB_ARGS      ?=
PTB_NAME      := $(PTB_INPUT)-$(PTB_DIRECTIONS)
PTB_BINS      := $(addprefix $(BIN)/,tok vocab elmo-train)
# Kim et al.'s small character CNN: widths 1-6 with 25 filters per width unit, tanh; the
# encoder's outputs centred and scaled from the vocabulary, and its gradient scaled down by
# about 1/35 (it sums the batch's 700 tokens where a word embedding row sums a few)
PTB_CHAR_FLAGS := --char-input --filters 1:25,2:50,3:75,4:100,5:125,6:150 --max-chars 20 \
                  --char-dim 15 --highway 1 --char-act tanh --char-init-std 0.15 \
                  --char-grad-scale 0.03
PTB_FLAGS     := --preset small --epochs $(PTB_EPOCHS) --seed $(PTB_SEED) \
                 $(if $(filter char,$(PTB_INPUT)),$(PTB_CHAR_FLAGS)) \
                 $(if $(filter forward,$(PTB_DIRECTIONS)),--forward-only) $(PTB_ARGS)

ifeq ($(wildcard $(PTB_DIR)/ptb.train.txt.gz),)
$(PTB_DIR)/ptb.%.txt.gz:
	@echo "ptb: $@ not found: the Penn Treebank LM splits (Mikolov's ptb.{train,valid,test}.txt), gzipped;"; \
	 echo "ptb: pass PTB_DIR=<directory holding them> or DATA=<directory with ptb/>"; exit 1
endif

$(eval $(call stamp_rule,$(PTB)/params-$(PTB_NAME).txt,dir=$(PTB_DIR) flags=$(PTB_FLAGS) threads=$(PTB_THREADS)))

# Already tokenized text: split at whitespace only.
$(PTB)/%.tok: $(PTB_DIR)/ptb.%.txt.gz | $(PTB_BINS)
	@mkdir -p $(PTB)
	$(BIN)/tok --whitespace -q -o $@ $<

$(PTB)/vocab.rec: $(PTB)/train.tok
	$(BIN)/vocab -q -o $@ $<

$(PTB)/$(PTB_NAME).model: $(PTB)/train.tok $(PTB)/valid.tok $(PTB)/test.tok $(PTB)/vocab.rec \
                          $(PTB)/params-$(PTB_NAME).txt
	$(BIN)/elmo-train $(PTB_FLAGS) -t $(PTB_THREADS) -v $(PTB)/vocab.rec \
	    --valid $(PTB)/valid.tok --test $(PTB)/test.tok --log $(PTB)/$(PTB_NAME).log.tmp \
	    --checkpoint $(PTB)/$(PTB_NAME).ckpt -o $@ $<
	mv $(PTB)/$(PTB_NAME).log.tmp $(PTB)/$(PTB_NAME).log
$(PTB)/$(PTB_NAME).log: $(PTB)/$(PTB_NAME).model ;

$(PTB)/$(PTB_NAME).md: $(PTB)/$(PTB_NAME).log
	@echo "ptb: writing $@"
	@{ echo "# Penn Treebank language model ($(PTB_NAME))"; echo; \
	  echo "elmo-train $(PTB_FLAGS) -t $(PTB_THREADS)"; echo; \
	  echo "| epoch | lr | train ppl | valid ppl fwd | valid ppl bwd | tokens/s | seconds |"; \
	  echo "|---:|---:|---:|---:|---:|---:|---:|"; \
	  awk -F'\t' 'NR > 1 && $$1 != "test" { printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f |\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7 }' $<; \
	  echo; awk -F'\t' '$$1 == "test" { printf "Test perplexity: forward %.2f, backward %.2f (Zaremba et al. report 114.5 forward).\n", $$4, $$5 }' $<; \
	} > $@

$(PTB)/$(PTB_NAME).png: $(PTB)/$(PTB_NAME).log pipelines/plot-ppl.gp
	gnuplot -e "logfile='$<'; out='$@.tmp'; name='$(PTB_NAME)'" pipelines/plot-ppl.gp
	mv $@.tmp $@

.PHONY: ptb
## ptb: Zaremba's small PTB language model with elmo-train -> $(RUNS)/ptb/word-forward.md
ptb: $(PTB)/$(PTB_NAME).md $(if $(HAVE_GNUPLOT),$(PTB)/$(PTB_NAME).png)
	@cat $<

# `make elmo`: the Penn Treebank (tokens and vocabulary from ptb.mk) ->
# a bidirectional ELMo-style language model (elmo-train, both directions) -> forward and
# backward test perplexity -> the contextual embeddings of the test set (embed: every
# layer averaged, one vector per token, as a contextual-vectors stream) -> report.md, and
# the perplexity curves when gnuplot is installed. ELMO_ARGS adds elmo-train options
# (e.g. ELMO_ARGS="--char-input" for a character model).
ELMO          := $(RUNS)/elmo
ELMO_EPOCHS   ?= 13
ELMO_THREADS  ?= 2
ELMO_ARGS     ?=
ELMO_EMBED    ?= --average
ELMO_FLAGS    := --preset small --epochs $(ELMO_EPOCHS) --seed $(PTB_SEED) $(ELMO_ARGS)
ELMO_BINS     := $(addprefix $(BIN)/,tok vocab elmo-train embed wpcat)

$(eval $(call stamp_rule,$(ELMO)/params.txt,dir=$(PTB_DIR) flags=$(ELMO_FLAGS) threads=$(ELMO_THREADS)))
$(eval $(call stamp_rule,$(ELMO)/params-embed.txt,embed=$(ELMO_EMBED)))

$(ELMO)/bilm.model: $(PTB)/train.tok $(PTB)/valid.tok $(PTB)/test.tok $(PTB)/vocab.rec \
                    $(ELMO)/params.txt | $(ELMO_BINS)
	$(BIN)/elmo-train $(ELMO_FLAGS) -t $(ELMO_THREADS) -v $(PTB)/vocab.rec \
	    --valid $(PTB)/valid.tok --test $(PTB)/test.tok --log $(ELMO)/bilm.log.tmp \
	    --checkpoint $(ELMO)/bilm.ckpt -o $@ $<
	mv $(ELMO)/bilm.log.tmp $(ELMO)/bilm.log
$(ELMO)/bilm.log: $(ELMO)/bilm.model ;

# One vector per test token: the ELMo layers averaged (ELMO_EMBED picks another mix).
$(ELMO)/test.cvec: $(ELMO)/bilm.model $(PTB)/test.tok $(ELMO)/params-embed.txt
	$(BIN)/embed -q --model $< $(ELMO_EMBED) -t $(ELMO_THREADS) -o $@ $(PTB)/test.tok

$(ELMO)/report.md: $(ELMO)/bilm.log $(ELMO)/test.cvec
	@echo "elmo: writing $@"
	@{ echo "# Bidirectional language model on the Penn Treebank"; echo; \
	  echo "elmo-train $(ELMO_FLAGS) -t $(ELMO_THREADS)"; echo; \
	  echo "| epoch | lr | train ppl | valid ppl fwd | valid ppl bwd | tokens/s | seconds |"; \
	  echo "|---:|---:|---:|---:|---:|---:|---:|"; \
	  awk -F'\t' 'NR > 1 && $$1 != "test" { printf "| %s | %s | %.2f | %.2f | %.2f | %.0f | %.0f |\n", $$1, $$2, $$3, $$4, $$5, $$6, $$7 }' $(ELMO)/bilm.log; \
	  echo; awk -F'\t' '$$1 == "test" { printf "Test perplexity: forward %.2f, backward %.2f.\n", $$4, $$5 }' $(ELMO)/bilm.log; \
	  echo; echo "Contextual embeddings of the test set (embed $(ELMO_EMBED)): $(ELMO)/test.cvec,"; \
	  $(BIN)/wpcat --stat $(ELMO)/test.cvec | awk -F'\t' '$$1 == "records" { r = $$2 } $$1 == "meta.dim" { d = $$2 } END { printf "%s tokens x %s floats.\n", r, d }'; \
	} > $@

$(ELMO)/bilm.png: $(ELMO)/bilm.log pipelines/plot-ppl.gp
	gnuplot -e "logfile='$<'; out='$@.tmp'; name='biLM on PTB'" pipelines/plot-ppl.gp
	mv $@.tmp $@

.PHONY: elmo
## elmo: PTB -> bidirectional LM -> test perplexity -> test-set embeddings -> $(RUNS)/elmo/report.md
elmo: $(ELMO)/report.md $(if $(HAVE_GNUPLOT),$(ELMO)/bilm.png)
	@cat $<
