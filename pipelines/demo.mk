# pipelines/demo.mk - `make demo`: the first thing a new user runs. Builds, trains a
# skip-gram model on the default corpus with progress bars, then prints its analogy
# accuracy, its WordSim-353 correlation and the nearest neighbours of a few words.
DEMO        := $(RUNS)/demo
DEMO_EPOCHS ?= 5
DEMO_THREADS ?= 2
DEMO_WORDS  ?= king paris computer france einstein
TEXT8_URL   := http://mattmahoney.net/dc/text8.zip

# The corpus: the text8-format Wikipedia beside the project, else text8 itself, fetched once.
ifneq ($(wildcard $(DATA)/enwiki-text8style.gz),)
DEMO_CORPUS ?= $(DATA)/enwiki-text8style.gz
else
DEMO_CORPUS ?= $(RUNS)/data/text8
endif
DEMO_QUESTIONS ?= $(firstword $(wildcard $(DATA)/questions-words.txt) $(RUNS)/data/questions-words.txt)

$(RUNS)/data/text8:
	@mkdir -p $(@D)
	@command -v curl >/dev/null || { echo "demo: no corpus at $(DATA) and no curl to fetch text8."; \
	    echo "demo: download $(TEXT8_URL), unzip it and run: make demo DATA=<its directory> DEMO_CORPUS=<dir>/text8"; exit 1; }
	curl -fL --retry 2 -o $@.zip $(TEXT8_URL) || { rm -f $@.zip; \
	    echo "demo: could not download $(TEXT8_URL) (no network?)."; \
	    echo "demo: fetch it elsewhere, unzip it, and run: make demo DEMO_CORPUS=/path/to/text8"; exit 1; }
	gzip -dc < $@.zip > $@.tmp     # a one-member zip is a gzip-readable deflate stream
	rm -f $@.zip
	@test "$$(stat -c %s $@.tmp)" = 100000000 || { rm -f $@.tmp; echo "demo: text8 is not 100,000,000 bytes"; exit 1; }
	mv $@.tmp $@

$(RUNS)/data/questions-words.txt:
	@echo "demo: $(DATA)/questions-words.txt not found; the analogy test needs it (word2vec's questions-words.txt)."; exit 1

$(eval $(call stamp_rule,$(DEMO)/params.txt,corpus=$(DEMO_CORPUS) epochs=$(DEMO_EPOCHS) threads=$(DEMO_THREADS) d=100 w=5 n=5 s=1e-4 m=5 seed=1))

$(DEMO)/tokens.rec: $(DEMO_CORPUS) | all
	@mkdir -p $(@D)
	$(BIN)/tok -o $@ $<

$(DEMO)/vocab.rec: $(DEMO)/tokens.rec
	$(BIN)/vocab -m 5 -o $@ $<

$(DEMO)/sg.vec: $(DEMO)/tokens.rec $(DEMO)/vocab.rec $(DEMO)/params.txt
	$(BIN)/w2v-train --sg -d 100 -w 5 -n 5 -s 1e-4 -e $(DEMO_EPOCHS) -t $(DEMO_THREADS) \
	    --seed 1 -v $(DEMO)/vocab.rec -o $@ $(DEMO)/tokens.rec

.PHONY: demo
## demo: train skip-gram on the default corpus and show what it learned
demo: all $(DEMO)/sg.vec $(DEMO_QUESTIONS)
	@echo; echo "== analogy accuracy ($(notdir $(DEMO_QUESTIONS)), 30,000 most frequent words)"
	@$(BIN)/knn --analogy $(DEMO_QUESTIONS) $(DEMO)/sg.vec
	@if [ -r $(DATA)/wordsim353.tsv ]; then echo; echo "== WordSim-353"; \
	    $(BIN)/knn --similarity $(DATA)/wordsim353.tsv $(DEMO)/sg.vec; fi
	@echo; echo "== nearest neighbours"
	@for w in $(DEMO_WORDS); do echo $$w; done | $(BIN)/knn -k 5 -x $(DEMO)/sg.vec
