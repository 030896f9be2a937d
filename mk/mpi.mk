# MPI builds (issue 10). `make MPI=1` compiles everything with mpicc and -DWP_MPI=1, so the
# tools that take --mpi (elmo-train) run one replica per rank under mpirun; lib/common/dist.c is
# the only file that calls MPI, and without MPI=1 it is the single-process no-op.
#
# A build tree holds one flavour: $(BUILD)/.flavour names it ("mpi" or "plain") and every
# object depends on it, so switching MPI=1 on or off in the same tree recompiles. It is
# created with an old date when a plain tree first sees it, so existing trees do not rebuild.
# $(BUILD)/mpi (make mpi-tools) is the tidier place for an MPI build beside a plain one.
#
#   deps-mpi    install openmpi-bin and libopenmpi-dev (as root), else print the command
#   mpi-tools   every tool built with MPI under $(BUILD)/mpi/bin
#   check-mpi   mpi-tools, then tests/mpi.bats against them

MPI      ?= 0
MPICC    ?= mpicc
MPI_PKGS  = openmpi-bin libopenmpi-dev
MPI_BUILD := $(BUILD)/mpi

.PHONY: deps-mpi mpi-tools check-mpi

ifeq ($(MPI),1)
ifeq ($(shell command -v $(MPICC) 2>/dev/null)$(filter deps-mpi,$(MAKECMDGOALS)),)
$(error MPI=1: $(MPICC) not found; install Open MPI with `make deps-mpi` (openmpi-bin libopenmpi-dev))
endif
override CC := $(MPICC)
override CPPFLAGS += -DWP_MPI=1
WP_FLAVOUR := mpi
else
WP_FLAVOUR := plain
endif

# Written when the makefiles are read, not by a rule, so that `make -n` and `make -q` still
# tell the truth about what is out of date.
WP_FLAVOUR_FILE := $(BUILD)/.flavour
WP_FLAVOUR_OLD := $(shell cat $(WP_FLAVOUR_FILE) 2>/dev/null)
ifeq ($(WP_FLAVOUR_OLD),)
ifeq ($(WP_FLAVOUR),plain)
$(shell mkdir -p $(BUILD) && echo plain > $(WP_FLAVOUR_FILE) && touch -d @0 $(WP_FLAVOUR_FILE))
else
$(shell mkdir -p $(BUILD) && echo $(WP_FLAVOUR) > $(WP_FLAVOUR_FILE))
endif
else ifneq ($(WP_FLAVOUR_OLD),$(WP_FLAVOUR))
$(shell echo $(WP_FLAVOUR) > $(WP_FLAVOUR_FILE))
endif

# extra prerequisites of the objects that the pattern rules build
$(LIB_OBJ) $(LIB_OBJ_SAN) $(patsubst %,$(BUILD)/tools/%.o,$(TOOLS)) $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(CLI_SRC)) \
    $(patsubst tools/%.c,$(BUILD)/tools/%.o,$(TOOL_OPTS)) \
    $(patsubst %,$(BUILD)/tests/unit/%.o,$(UNITS)) \
    $(patsubst %,$(BUILD)/san/tests/unit/%.o,$(UNITS)): $(BUILD)/.flavour

## deps-mpi: install Open MPI (openmpi-bin libopenmpi-dev) for `make MPI=1` and check-mpi
deps-mpi:
	$(call apt_install,deps-mpi,$(MPI_PKGS))

## mpi-tools: every tool built with mpicc and -DWP_MPI=1 under $(BUILD)/mpi/bin
mpi-tools: deps-mpi
	@$(MAKE) --no-print-directory BUILD='$(MPI_BUILD)' MPI=1 all

## check-mpi: tests/mpi.bats (2-rank elmo-train jobs) against the MPI build
check-mpi: mpi-tools
	@DATA='$(DATA)' BUILD='$(MPI_BUILD)' bats tests/mpi.bats
