// BLAS (CBLAS) and the few LAPACK routines AnomalyKit uses, all from OpenBLAS.
#include <cblas.h>

// LAPACK (Fortran ABI, column-major) — declared here because Debian ships no LAPACKE
// with libopenblas-dev; the symbols live inside libopenblas.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info);
