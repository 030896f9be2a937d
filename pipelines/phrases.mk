# pipelines/phrases.mk - `make phrases`: corpus -> tokens -> phrase table (phrases --learn)
# -> phrased tokens (phrases --apply) -> vocabulary -> skip-gram, beside the same training
# without phrases, then Mikolov's phrase analogies (questions-phrases.txt) and the word
# analogies on both -> $(RUNS)/phrases/report.md. With PH_GENSIM=1 the report gets a third
# row: gensim Phrases + gensim Word2Vec at the same settings (bench/gensim_phrases.py and
# bench/gensim_train.py; needs Debian's python3-gensim, and takes far longer).
# PH_WORDS=N trains on the first N words only (a slice, for a quick run; 0 = all).
# Every intermediate is a file under $(RUNS)/phrases, remade only when its inputs or its
# stamped parameters change.
PH           := $(RUNS)/phrases
PH_WORDS     ?= 0
PH_MIN       ?= 5
PH_THRESHOLD ?= 100
PH_PASSES    ?= 2
PH_SCORING   ?= word2phrase
PH_W2V_MIN   ?= 5
PH_SAMPLE    ?= 1e-4
PH_WINDOW    ?= 5
PH_EPOCHS    ?= 5
PH_DIM       ?= 100
PH_NEG       ?= 5
PH_THREADS   ?= 2
PH_SEED      ?= 1
PH_RESTRICT  ?= 30000
PH_GENSIM    ?= 0
PH_PY        ?= /usr/bin/python3
PH_CORPUS    ?= $(DATA)/enwiki-text8style.gz
PH_QUESTIONS ?= $(DATA)/questions-phrases.txt
PH_WORDQ     ?= $(DATA)/questions-words.txt
PH_BINS      := $(addprefix $(BIN)/,tok phrases vocab w2v-train knn wpcat)
PH_ROWS      := plain phrased $(if $(filter 1,$(PH_GENSIM)),gensim)

ifeq ($(wildcard $(PH_QUESTIONS)),)
$(PH_QUESTIONS):
	@echo "phrases: $@ not found: it is word2vec's questions-phrases.txt"; \
	 echo "phrases: pass PH_QUESTIONS=/path/to/it or DATA=<its directory>"; exit 1
endif
ifeq ($(wildcard $(PH_CORPUS)),)
$(PH_CORPUS):
	@echo "phrases: corpus $@ not found; pass PH_CORPUS=/path/to/text (plain or gzip)"; exit 1
endif

$(eval $(call stamp_rule,$(PH)/params-tok.txt,corpus=$(PH_CORPUS) words=$(PH_WORDS)))
$(eval $(call stamp_rule,$(PH)/params-phrases.txt,min=$(PH_MIN) threshold=$(PH_THRESHOLD) passes=$(PH_PASSES) scoring=$(PH_SCORING)))
$(eval $(call stamp_rule,$(PH)/params-w2v.txt,min=$(PH_W2V_MIN) sample=$(PH_SAMPLE) window=$(PH_WINDOW) epochs=$(PH_EPOCHS) dim=$(PH_DIM) negative=$(PH_NEG) threads=$(PH_THREADS) seed=$(PH_SEED)))
# The rows and evaluations are stamped too: the Makefile's .SECONDARY lets a missing
# evaluation go unmade while report.md is newer than the rest, so a new one must change this.
$(eval $(call stamp_rule,$(PH)/params-eval.txt,questions=$(PH_QUESTIONS) words=$(PH_WORDQ) restrict=$(PH_RESTRICT) evals=phrase+phrase-all+word rows=$(subst $() ,+,$(strip $(PH_ROWS)))))

# tok's default sentences: 1000 tokens (the text8-style corpus has no sentence breaks)
$(eval $(call data_stamp_rule,$(PH_CORPUS)))
$(PH)/plain.tok: $(call data_stamp,$(PH_CORPUS)) $(PH)/params-tok.txt | $(PH_CORPUS) $(PH_BINS)
	@mkdir -p $(@D)
	if [ "$(PH_WORDS)" -gt 0 ]; then \
	    { gzip -cdf $(PH_CORPUS) | tr -s ' \n' '\n\n' || true; } | head -n $(PH_WORDS) | tr '\n' ' ' \
	        | $(BIN)/tok -q -o $@; \
	else $(BIN)/tok -q -o $@ $(PH_CORPUS); fi

$(PH)/table.phr: $(PH)/plain.tok $(PH)/params-phrases.txt
	$(BIN)/phrases --learn -m $(PH_MIN) --threshold $(PH_THRESHOLD) --passes $(PH_PASSES) \
	    --scoring $(PH_SCORING) -o $@ $< 2> $(PH)/learn.log
	@cat $(PH)/learn.log >&2

$(PH)/phrased.tok: $(PH)/plain.tok $(PH)/table.phr
	$(BIN)/phrases -q --apply $(PH)/table.phr -o $@ $<

PH_TOKS := $(foreach r,plain phrased,$(PH)/$(r).tok)
$(PH_TOKS:.tok=.voc): $(PH)/%.voc: $(PH)/%.tok $(PH)/params-w2v.txt
	$(BIN)/vocab -q -m $(PH_W2V_MIN) -o $@ $<

$(PH_TOKS:.tok=.vec): $(PH)/%.vec: $(PH)/%.tok $(PH)/%.voc $(PH)/params-w2v.txt
	$(BIN)/w2v-train -q --sg -d $(PH_DIM) -n $(PH_NEG) -w $(PH_WINDOW) -s $(PH_SAMPLE) \
	    -e $(PH_EPOCHS) -t $(PH_THREADS) --seed $(PH_SEED) -v $(PH)/$*.voc --format txt \
	    -o $@ $<

# gensim: the same sentences (wpcat --lines), gensim Phrases at the same settings, then gensim
# Word2Vec (skip-gram) at the same settings.
$(PH)/plain.txt: $(PH)/plain.tok
	$(BIN)/wpcat --lines $< > $@
$(PH)/gensim-phrased.txt: $(PH)/plain.txt $(PH)/params-phrases.txt
	$(PH_PY) bench/gensim_phrases.py $< $@ $(PH)/gensim-table.tsv $(PH_SCORING) $(PH_MIN) \
	    $(PH_THRESHOLD) $(PH_PASSES) > $(PH)/gensim-phrases.log
$(PH)/gensim-table.tsv: $(PH)/gensim-phrased.txt ;
$(PH)/gensim.vec: $(PH)/gensim-phrased.txt $(PH)/params-w2v.txt
	$(PH_PY) bench/gensim_train.py $< $@ sg $(PH_EPOCHS) $(PH_THREADS) > $(PH)/gensim-w2v.log \
	    2> $(PH)/gensim-w2v.err

# Without phrases no phrase question can be answered (knn says so and exits 3): that row
# gets a total of 0 answered, every question skipped.
# Phrases are rare: on a small corpus few phrase questions have all 4 words among the first
# PH_RESTRICT, so the questions are also asked with every word a candidate (-r 0).
define ph_phrase_eval
	$(BIN)/knn --quiet --analogy $(PH_QUESTIONS) -r $(1) -o $@ $< 2> $@.err || \
	    { grep -q 'no question has all 4 words' $@.err && \
	      printf 'section\tcorrect\tseen\tskipped\taccuracy\ntotal\t0\t0\t%s\t0\n' \
	          "$$(grep -c '^[^:]' $(PH_QUESTIONS))" > $@; }
	@rm -f $@.err
endef
PH_VECS := $(foreach r,$(PH_ROWS),$(PH)/$(r).vec)
$(PH_VECS:.vec=.phrase-analogy.tsv): $(PH)/%.phrase-analogy.tsv: $(PH)/%.vec $(PH_QUESTIONS) \
                                                                $(PH)/params-eval.txt
	$(call ph_phrase_eval,$(PH_RESTRICT))
$(PH_VECS:.vec=.phrase-all-analogy.tsv): $(PH)/%.phrase-all-analogy.tsv: $(PH)/%.vec \
                                                                $(PH_QUESTIONS) $(PH)/params-eval.txt
	$(call ph_phrase_eval,0)
$(PH_VECS:.vec=.word-analogy.tsv): $(PH)/%.word-analogy.tsv: $(PH)/%.vec $(PH_WORDQ) \
                                                              $(PH)/params-eval.txt
	$(BIN)/knn --quiet --analogy $(PH_WORDQ) -r $(PH_RESTRICT) -o $@ $<

PH_EVALS := $(foreach r,$(PH_ROWS),$(PH)/$(r).phrase-analogy.tsv $(PH)/$(r).phrase-all-analogy.tsv \
                                   $(PH)/$(r).word-analogy.tsv)

# phrases: the number of phrases learned (pass by pass for wordpipe); then per row the
# phrase-analogy accuracy over the questions answered and how many were answered (a
# question with a word outside the candidates is skipped), and the word analogies.
$(PH)/report.md: $(PH_EVALS) $(PH)/table.phr $(PH)/params-tok.txt $(PH)/params-phrases.txt \
                 $(PH)/params-w2v.txt $(PH)/params-eval.txt
	@echo "phrases: writing $@"
	@{ echo "# Phrase analogies with and without phrases"; echo; \
	  echo "Corpus: $(notdir $(PH_CORPUS))$(if $(filter-out 0,$(PH_WORDS)), (first $(PH_WORDS) words)), $$($(BIN)/wpcat --stat $(PH)/plain.tok | awk -F'\t' '$$1 == "records" { print $$2 }') sentences of up to 1000 tokens."; echo; \
	  echo "Phrases: $$(tr '\n' ' ' < $(PH)/params-phrases.txt); skip-gram: $$(tr '\n' ' ' < $(PH)/params-w2v.txt)"; echo; \
	  echo "Analogies: $(notdir $(PH_QUESTIONS)) ($$(grep -c '^[^:]' $(PH_QUESTIONS)) questions) among the first $(PH_RESTRICT) words, and among all words; $(notdir $(PH_WORDQ)) among the first $(PH_RESTRICT). Accuracy is over the questions answered (all 4 words known)."; echo; \
	  echo "| row | phrases | phrase analogy | answered | phrase analogy, all words | answered | word analogy |"; \
	  echo "|---|---:|---:|---:|---:|---:|---:|"; \
	  for r in $(PH_ROWS); do \
	    col() { awk -F'\t' -v c="$$2" '$$1 == "total" { printf "%s", $$c }' $(PH)/$$r.$$1-analogy.tsv; }; \
	    acc() { awk -F'\t' '$$1 == "total" { printf "%.2f%%", 100 * $$5 }' $(PH)/$$r.$$1-analogy.tsv; }; \
	    case $$r in \
	      plain) n=0 ;; \
	      phrased) n="$$($(BIN)/wpcat --stat $(PH)/table.phr | awk -F'\t' '$$1 == "meta.phrase_pass_sizes" { gsub(",", " + ", $$2); print $$2 }')" ;; \
	      gensim) n="$$(wc -l < $(PH)/gensim-table.tsv)" ;; \
	    esac; \
	    echo "| $$r | $$n | $$(acc phrase) | $$(col phrase 3) | $$(acc phrase-all) | $$(col phrase-all 3) | $$(acc word) |"; \
	  done; } > $@

.PHONY: phrases
## phrases: tokens -> phrases -> skip-gram with and without phrases -> $(RUNS)/phrases/report.md
phrases: $(PH)/report.md
	@cat $<
