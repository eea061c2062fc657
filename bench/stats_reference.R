# MatchIt reference for bench/stats.bench.ts: 1:1 nearest-neighbour matching (MatchIt defaults,
# largest score first, no replacement) on the score the bench wrote, timed excluding file reading.
# MatchIt 4.5.1 slows down sharply with size, so it first times a 1/10 subsample, then the full data.
# Run: Rscript bench/stats_reference.R DIR N
suppressPackageStartupMessages(library(MatchIt))
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]; n <- as.integer(args[2])
score <- readBin(file.path(dir, "score.f64"), "double", n)
treat <- readBin(file.path(dir, "treat.f64"), "double", n)
run <- function(idx, label) {
  df <- data.frame(treat = treat[idx], s = score[idx])
  t0 <- proc.time()[["elapsed"]]
  m <- matchit(treat ~ s, data = df, method = "nearest", distance = df$s)
  t1 <- proc.time()[["elapsed"]]
  cat(sprintf("%-48s %8.3f s\n", label, t1 - t0))
  m
}
invisible(run(seq(1, n, by = 10), "MatchIt nearest 1:1 (1/10 subsample)"))
m <- run(seq_len(n), "MatchIt nearest 1:1 (full)")
cat(sprintf("  MatchIt matched %d pairs\n", sum(!is.na(m$match.matrix[, 1]))))
