# pipelines/w2v.mk - `make w2v`: corpus -> tokens -> vocabulary -> windows -> skip-gram and
# CBOW models -> report.md (analogy accuracy, WordSim-353 Spearman, training speed), plus
# the training loss curve as a PNG when gnuplot is installed. Every intermediate is a file
# under $(RUNS)/w2v; each stage depends on a stamp of its own parameters, so changing one
# variable re-makes that stage and what follows it, nothing before it.
W2V          := $(RUNS)/w2v
W2V_MIN      ?= 5
W2V_SAMPLE   ?= 1e-4
W2V_WINDOW   ?= 5
W2V_EPOCHS   ?= 5
W2V_SEED     ?= 1
W2V_DIM      ?= 100
W2V_NEG      ?= 5
W2V_THREADS  ?= 2
W2V_RESTRICT ?= 30000
# The text8-format Wikipedia beside the project, else text8 fetched by demo.mk's rule.
ifneq ($(wildcard $(DATA)/enwiki-text8style.gz),)
W2V_CORPUS   ?= $(DATA)/enwiki-text8style.gz
else
W2V_CORPUS   ?= $(RUNS)/data/text8
endif
W2V_QUESTIONS ?= $(DATA)/questions-words.txt
W2V_WORDSIM   ?= $(DATA)/wordsim353.tsv
W2V_BINS     := $(addprefix $(BIN)/,tok vocab pairs w2v-train knn)

# Inputs that are missing get a rule that says what to fetch, instead of make's
# "No rule to make target".
ifeq ($(wildcard $(W2V_QUESTIONS)),)
$(W2V_QUESTIONS):
	@echo "w2v: $@ not found: it is word2vec's questions-words.txt"; \
	 echo "w2v: fetch it (e.g. from the word2vec or gensim test data) and pass W2V_QUESTIONS=/path/to/it or DATA=<its directory>"; exit 1
endif
ifeq ($(wildcard $(W2V_WORDSIM)),)
$(W2V_WORDSIM):
	@echo "w2v: $@ not found: it is WordSim-353 as 'word word score' lines (wordsim353.tsv)"; \
	 echo "w2v: fetch it and pass W2V_WORDSIM=/path/to/it or DATA=<its directory>"; exit 1
endif
ifneq ($(W2V_CORPUS),$(RUNS)/data/text8)
ifeq ($(wildcard $(W2V_CORPUS)),)
$(W2V_CORPUS):
	@echo "w2v: corpus $@ not found; pass W2V_CORPUS=/path/to/text (plain or gzip),"; \
	 echo "w2v: or DATA=<directory holding enwiki-text8style.gz>, or W2V_CORPUS=$(RUNS)/data/text8 to download text8"; exit 1
endif
endif

# One stamp per stage. params.txt holds every parameter and is what the models depend on.
$(eval $(call stamp_rule,$(W2V)/params-tok.txt,corpus=$(W2V_CORPUS)))
$(eval $(call stamp_rule,$(W2V)/params-vocab.txt,corpus=$(W2V_CORPUS) min=$(W2V_MIN)))
$(eval $(call stamp_rule,$(W2V)/params-windows.txt,corpus=$(W2V_CORPUS) min=$(W2V_MIN) sample=$(W2V_SAMPLE) window=$(W2V_WINDOW) epochs=$(W2V_EPOCHS) seed=$(W2V_SEED)))
$(eval $(call stamp_rule,$(W2V)/params.txt,corpus=$(W2V_CORPUS) min=$(W2V_MIN) sample=$(W2V_SAMPLE) window=$(W2V_WINDOW) epochs=$(W2V_EPOCHS) seed=$(W2V_SEED) dim=$(W2V_DIM) negative=$(W2V_NEG) threads=$(W2V_THREADS)))
$(eval $(call stamp_rule,$(W2V)/params-eval.txt,questions=$(W2V_QUESTIONS) wordsim=$(W2V_WORDSIM) restrict=$(W2V_RESTRICT)))

$(W2V)/tokens.rec: $(W2V_CORPUS) $(W2V)/params-tok.txt | $(W2V_BINS)
	$(BIN)/tok -o $@ $<

$(W2V)/vocab.rec: $(W2V)/tokens.rec $(W2V)/params-vocab.txt
	$(BIN)/vocab -m $(W2V_MIN) -o $@ $<

$(W2V)/windows.rec: $(W2V)/tokens.rec $(W2V)/vocab.rec $(W2V)/params-windows.txt
	$(BIN)/pairs -v $(W2V)/vocab.rec -s $(W2V_SAMPLE) -w $(W2V_WINDOW) -e $(W2V_EPOCHS) \
	    --seed $(W2V_SEED) -o $@ $<

# The windows already hold every epoch, so w2v-train reads them once.
W2V_TRAIN = $(BIN)/w2v-train -d $(W2V_DIM) -n $(W2V_NEG) -t $(W2V_THREADS) --seed $(W2V_SEED) \
            -v $(W2V)/vocab.rec

$(W2V)/sg.vec: $(W2V)/windows.rec $(W2V)/vocab.rec $(W2V)/params.txt
	$(W2V_TRAIN) --sg --log $(W2V)/sg.log -o $@ $<
	@touch $(W2V)/sg.log

$(W2V)/cbow.vec: $(W2V)/windows.rec $(W2V)/vocab.rec $(W2V)/params.txt
	$(W2V_TRAIN) --cbow --log $(W2V)/cbow.log -o $@ $<
	@touch $(W2V)/cbow.log

# The logs are written by the training rules above, and touched after the model is renamed
# into place, so that a log is never older than its model (`make -q` would remake it).
$(W2V)/sg.log: $(W2V)/sg.vec ;
$(W2V)/cbow.log: $(W2V)/cbow.vec ;

$(W2V)/%.analogy.tsv: $(W2V)/%.vec $(W2V_QUESTIONS) $(W2V)/params-eval.txt
	$(BIN)/knn --analogy $(W2V_QUESTIONS) -r $(W2V_RESTRICT) -o $@ $<

$(W2V)/%.wordsim.tsv: $(W2V)/%.vec $(W2V_WORDSIM) $(W2V)/params-eval.txt
	$(BIN)/knn --similarity $(W2V_WORDSIM) -r $(W2V_RESTRICT) -o $@ $<

W2V_EVALS := $(foreach m,sg cbow,$(W2V)/$(m).analogy.tsv $(W2V)/$(m).wordsim.tsv $(W2V)/$(m).log)

# A markdown table, one row per model.
$(W2V)/report.md: $(W2V_EVALS) $(W2V)/params.txt
	@echo "w2v: writing $@"
	@{ echo "# word2vec on $(notdir $(W2V_CORPUS))"; echo; \
	  echo "Parameters: $$(tr '\n' ' ' < $(W2V)/params.txt)"; echo; \
	  echo "Analogies: $(notdir $(W2V_QUESTIONS)) (first $(W2V_RESTRICT) words); similarity: $(notdir $(W2V_WORDSIM))."; echo; \
	  echo "| model | analogy total | semantic | syntactic | questions seen | WordSim-353 Spearman | words/s |"; \
	  echo "|---|---:|---:|---:|---:|---:|---:|"; \
	  for m in sg cbow; do \
	    acc() { awk -F'\t' -v s="$$2" '$$1 == s { printf "%.4f", $$5 }' $(W2V)/$$1.analogy.tsv; }; \
	    seen=$$(awk -F'\t' '$$1 == "total" { print $$3 }' $(W2V)/$$m.analogy.tsv); \
	    rho=$$(awk -F'\t' '$$1 == "spearman" { printf "%.4f", $$2 }' $(W2V)/$$m.wordsim.tsv); \
	    wps=$$(tail -n 1 $(W2V)/$$m.log | cut -f 7); \
	    echo "| $$m | $$(acc $$m total) | $$(acc $$m semantic) | $$(acc $$m syntactic) | $$seen | $$rho | $$wps |"; \
	  done; } > $@
	@cat $@
	@if [ -n "$(HAVE_GNUPLOT)" ]; then echo; echo "w2v: loss curves: $(W2V_PLOTS)"; \
	 else echo; echo "w2v: gnuplot not found, no loss curves; install it with: sudo apt-get install gnuplot-nox"; fi

W2V_PLOTS := $(if $(HAVE_GNUPLOT),$(W2V)/sg-loss.png $(W2V)/cbow-loss.png)

$(W2V)/%-loss.png: $(W2V)/%.log pipelines/plot-loss.gp
	gnuplot -e "logfile='$<'; out='$@.tmp'; name='$*'" pipelines/plot-loss.gp
	mv $@.tmp $@

.PHONY: w2v
## w2v: corpus -> tokens -> vocab -> windows -> skip-gram and CBOW -> $(RUNS)/w2v/report.md
# No recipe: the report is printed when it is made, and `make -q w2v` after a complete run
# says there is nothing to do.
w2v: $(W2V)/report.md $(W2V_PLOTS)

# A 2-D map of chosen words (countries and their capitals by default): knn --map projects
# their skip-gram vectors on the top two principal components; gnuplot labels the points.
W2V_MAP_WORDS ?= pipelines/map-words.txt

$(W2V)/sg-map.tsv: $(W2V)/sg.vec $(W2V_MAP_WORDS) | $(BIN)/knn
	$(BIN)/knn --map $(W2V_MAP_WORDS) -o $@ $<

$(W2V)/sg-map.png: $(W2V)/sg-map.tsv pipelines/plot-map.gp
	gnuplot -e "mapfile='$<'; out='$@.tmp'; name='skip-gram'" pipelines/plot-map.gp
	mv $@.tmp $@

ifneq ($(HAVE_GNUPLOT),)
w2v: $(W2V)/sg-map.png
endif
