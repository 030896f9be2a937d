# pipelines/sharded.mk - `make sharded`: preprocessing at scale, shown on local shards. The
# corpus is split into SHARD_K pieces at word boundaries; tok and vocab run on every piece
# at once (GNU parallel when installed, else xargs -P: any runner of Unix filters would
# do, on as many machines as there are pieces); the partial vocabularies merge exactly with
# vocab; pairs then cuts each piece into windows against the merged vocabulary. A last step
# counts the whole corpus in one pass and checks that its vocabulary is the merged one,
# byte for byte. Everything is written under $(RUNS)/sharded.
# `make sharded-train` goes on to training without gathering the corpus anywhere: one
# MPI rank per shard, each reading only its own token stream (w2v-train --mpi with one
# file per rank), then the analogy accuracy of the merged model.
SHARD        := $(RUNS)/sharded
SHARD_K      ?= 4
SHARD_JOBS   ?= 2
SHARD_MIN    ?= 5
SHARD_SAMPLE ?= 1e-4
SHARD_WINDOW ?= 5
SHARD_SEED   ?= 1
SHARD_CORPUS ?= $(DATA)/enwiki-text8style.gz
SHARD_BINS   := $(addprefix $(BIN)/,tok vocab pairs wpcat)
SHARD_IDS    := $(shell seq -f %03g 0 $$(($(SHARD_K) - 1)))
SHARD_PARTS  := $(SHARD)/parts

ifeq ($(wildcard $(SHARD_CORPUS)),)
$(SHARD_CORPUS):
	@echo "sharded: corpus $@ not found; pass SHARD_CORPUS=/path/to/text (plain or gzip)"; \
	 echo "sharded: or DATA=<directory holding enwiki-text8style.gz>"; exit 1
endif

# The runner: one shell command per input line, SHARD_JOBS at a time; any failure fails
# the step (GNU parallel stops the others, xargs exits 123 once all have ended).
sharded_comma := ,
ifneq ($(shell command -v parallel 2>/dev/null),)
SHARD_RUN ?= parallel --will-cite -j $(SHARD_JOBS) --halt now$(sharded_comma)fail=1
else
SHARD_RUN ?= xargs -d '\n' -P $(SHARD_JOBS) -n 1 sh -c
endif

$(eval $(call stamp_rule,$(SHARD)/params-split.txt,corpus=$(SHARD_CORPUS) shards=$(SHARD_K)))
$(eval $(call stamp_rule,$(SHARD)/params-vocab.txt,corpus=$(SHARD_CORPUS) shards=$(SHARD_K) min=$(SHARD_MIN)))
$(eval $(call stamp_rule,$(SHARD)/params-pairs.txt,corpus=$(SHARD_CORPUS) shards=$(SHARD_K) min=$(SHARD_MIN) sample=$(SHARD_SAMPLE) window=$(SHARD_WINDOW) seed=$(SHARD_SEED)))

# Split at spaces (text8 is one line of words; split -t ' ' keeps every word whole) into
# SHARD_K pieces of nearly equal size, each gzipped; split -n l/K needs a file, hence the
# uncompressed copy, removed at once.
$(SHARD)/split.done: $(SHARD_CORPUS) $(SHARD)/params-split.txt
	@rm -rf $(SHARD_PARTS) && mkdir -p $(SHARD_PARTS)
	if gzip -t $< 2>/dev/null; then zcat $<; else cat $<; fi > $(SHARD_PARTS)/corpus.txt
	cd $(SHARD_PARTS) && split -t ' ' -n l/$(SHARD_K) -d -a 3 \
	    --filter='gzip -1 > $$FILE.txt.gz' corpus.txt ''
	rm $(SHARD_PARTS)/corpus.txt
	@touch $@

# The map step: tok and vocab per piece (unpruned: -m 1, so that the merge is exact).
$(SHARD)/tok.done: $(SHARD)/split.done | $(SHARD_BINS)
	for i in $(SHARD_IDS); do \
	    echo "$(BIN)/tok -q -o $(SHARD_PARTS)/$$i.tok $(SHARD_PARTS)/$$i.txt.gz && $(BIN)/vocab -q -m 1 -o $(SHARD_PARTS)/$$i.voc $(SHARD_PARTS)/$$i.tok"; \
	done | $(SHARD_RUN)
	@touch $@

# The reduce step: summing the partial counts, pruning only here.
$(SHARD)/vocab.rec: $(SHARD)/tok.done $(SHARD)/params-vocab.txt
	$(BIN)/vocab -q -m $(SHARD_MIN) -o $@ $(foreach i,$(SHARD_IDS),$(SHARD_PARTS)/$(i).voc)

# Windows per piece against the merged vocabulary, each piece its own seed.
$(SHARD)/pairs.done: $(SHARD)/vocab.rec $(SHARD)/params-pairs.txt
	for i in $(SHARD_IDS); do \
	    echo "$(BIN)/pairs -q -v $< -s $(SHARD_SAMPLE) -w $(SHARD_WINDOW) --seed $$(( $(SHARD_SEED) + 10#$$i )) -o $(SHARD_PARTS)/$$i.win $(SHARD_PARTS)/$$i.tok"; \
	done | $(SHARD_RUN)
	@touch $@

# The check: the vocabulary of one pass over the whole corpus.
$(SHARD)/vocab-onepass.rec: $(SHARD_CORPUS) $(SHARD)/params-vocab.txt | $(SHARD_BINS)
	$(BIN)/tok -q $< | $(BIN)/vocab -q -m $(SHARD_MIN) -o $@

$(SHARD)/report.txt: $(SHARD)/vocab.rec $(SHARD)/vocab-onepass.rec $(SHARD)/pairs.done
	@cmp $(SHARD)/vocab.rec $(SHARD)/vocab-onepass.rec \
	    || { echo "sharded: the merged vocabulary differs from the one-pass vocabulary"; exit 1; }
	@{ echo "sharded: $(SHARD_K) shards of $(notdir $(SHARD_CORPUS)), $(SHARD_JOBS) at a time ($(word 1,$(SHARD_RUN)))"; \
	  echo "sharded: merged vocabulary: $$($(BIN)/wpcat $(SHARD)/vocab.rec | wc -l) words (min count $(SHARD_MIN)), identical to the one-pass vocabulary"; \
	  echo "sharded: windows: $(foreach i,$(SHARD_IDS),$(SHARD_PARTS)/$(i).win)"; } > $@

.PHONY: sharded
## sharded: split the corpus, tok+vocab per shard in parallel, merge, pairs per shard, check
sharded: $(SHARD)/report.txt
	@cat $<

# ---- training on the shards: one MPI rank per shard (make deps-mpi mpi-tools) ----
SHARD_MPIBIN  ?= $(BUILD)/mpi/bin
SHARD_EPOCHS  ?= 5
SHARD_THREADS ?= 1
SHARD_SYNC    ?= 200000
SHARD_MPIRUN  ?= mpirun $(if $(filter 0,$(shell id -u)),--allow-run-as-root) --oversubscribe \
                 --mca btl_vader_single_copy_mechanism none

$(eval $(call stamp_rule,$(SHARD)/params-train.txt,shards=$(SHARD_K) epochs=$(SHARD_EPOCHS) threads=$(SHARD_THREADS) sync=$(SHARD_SYNC) seed=$(SHARD_SEED) min=$(SHARD_MIN) sample=$(SHARD_SAMPLE) window=$(SHARD_WINDOW)))

$(SHARD)/vectors.wp: $(SHARD)/vocab.rec $(SHARD)/params-train.txt
	@[ -x $(SHARD_MPIBIN)/w2v-train ] && command -v mpirun >/dev/null \
	    || { echo "sharded-train: needs Open MPI and the MPI tools: make deps-mpi mpi-tools"; exit 1; }
	$(SHARD_MPIRUN) -np $(SHARD_K) $(SHARD_MPIBIN)/w2v-train --mpi -t $(SHARD_THREADS) \
	    --sync-words $(SHARD_SYNC) -e $(SHARD_EPOCHS) -s $(SHARD_SAMPLE) -w $(SHARD_WINDOW) \
	    --seed $(SHARD_SEED) -v $< -o $@ $(foreach i,$(SHARD_IDS),$(SHARD_PARTS)/$(i).tok)

$(SHARD)/analogy.tsv: $(SHARD)/vectors.wp $(DATA)/questions-words.txt | $(BIN)/knn
	$(BIN)/knn --analogy $(DATA)/questions-words.txt -r 30000 -o $@ $<

.PHONY: sharded-train
## sharded-train: after `make sharded`, word2vec on MPI, one rank per shard reading only its own
sharded-train: $(SHARD)/analogy.tsv
	@awk -F'\t' '$$1 == "total" { printf "sharded-train: %d ranks, analogy accuracy %.2f%% (30k restriction)\n", $(SHARD_K), 100 * $$5 }' $<
