/* Axle runtime C API: load a compiled model (.axm), create execution contexts, run them.
 *
 * Ownership and lifetime
 *   - A model is reference counted. axle_model_load_* returns it with one reference; each
 *     context holds another, so a model may be released while its contexts live on.
 *   - A model loaded from a caller's buffer borrows that buffer: it must stay valid and
 *     unchanged until the model's last reference is released.
 *   - Strings and arrays returned by the axle_model_* queries point into the model and live as
 *     long as it does.
 * Thread safety
 *   - A loaded model is immutable: any number of threads may query it and create contexts from
 *     it concurrently.
 *   - A context is used by one thread at a time (bind, invoke and buffer queries are not
 *     synchronized). Different contexts run concurrently without locking.
 * Errors
 *   - Every call that can fail returns axle_status_t. On failure, axle_last_error() returns a
 *     message for this thread naming what is wrong and where (tensor, step, byte offset). It
 *     stays valid until this thread's next failing call.
 * Memory
 *   - All memory is allocated at load and context creation. axle_context_invoke performs no
 *     heap allocation.
 */
#ifndef AXLE_AXLE_H_
#define AXLE_AXLE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The .axm schema version this runtime reads. */
#define AXLE_SCHEMA_VERSION 1
/* The release of this runtime and its tools. */
#define AXLE_VERSION_STRING "0.1.0"
/* Largest tensor rank a model may use. */
#define AXLE_MAX_RANK 8
/* Marks an absent optional operand in axle_step_info_t. */
#define AXLE_ABSENT_TENSOR 0xFFFFFFFFu

typedef enum axle_status {
  AXLE_OK = 0,
  AXLE_INVALID_ARGUMENT = 1,   /* a caller's argument is wrong (null, index, size, alignment) */
  AXLE_INVALID_MODEL = 2,      /* the model file is malformed or violates the format contract */
  AXLE_NOT_FOUND = 3,          /* a named item does not exist */
  AXLE_IO_ERROR = 4,           /* the file could not be opened, read or mapped */
  AXLE_RESOURCE_EXHAUSTED = 5, /* memory could not be allocated */
  AXLE_UNIMPLEMENTED = 6,      /* the model needs something this runtime does not have */
  AXLE_DATA_ERROR = 7,         /* a kernel met invalid input data (e.g. gather index range) */
  AXLE_INTERNAL = 8            /* a bug in Axle */
} axle_status_t;

typedef enum axle_dtype {
  AXLE_DTYPE_F32 = 0,
  AXLE_DTYPE_F16 = 1,
  AXLE_DTYPE_BF16 = 2,
  AXLE_DTYPE_F64 = 3,
  AXLE_DTYPE_I8 = 4,
  AXLE_DTYPE_U8 = 5,
  AXLE_DTYPE_I16 = 6,
  AXLE_DTYPE_U16 = 7,
  AXLE_DTYPE_I32 = 8,
  AXLE_DTYPE_U32 = 9,
  AXLE_DTYPE_I64 = 10,
  AXLE_DTYPE_U64 = 11,
  AXLE_DTYPE_BOOL = 12
} axle_dtype_t;

typedef enum axle_storage {
  AXLE_STORAGE_CONSTANT = 0, /* weights in the model file */
  AXLE_STORAGE_ARENA = 1,    /* an intermediate in the context's arena */
  AXLE_STORAGE_INPUT = 2,    /* a model input */
  AXLE_STORAGE_OUTPUT = 3    /* a model output */
} axle_storage_t;

typedef struct axle_model axle_model_t;
typedef struct axle_context axle_context_t;

typedef struct axle_model_info {
  uint32_t schema_version;
  const char* producer; /* e.g. "axle 0.1.0"; "" when absent */
  const char* producer_version;
  const char* target;            /* the target the plan was compiled for */
  const char* source_model_hash; /* "" when absent */
  const char* compile_options;   /* "" when absent */
  uint32_t num_tensors;
  uint32_t num_steps;
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint64_t arena_bytes;    /* arena one context needs */
  uint64_t constant_bytes; /* size of the constant segment */
  uint64_t file_bytes;     /* size of the model file or buffer */
} axle_model_info_t;

typedef struct axle_tensor_info {
  const char* name;
  axle_dtype_t dtype;
  int32_t rank;
  int64_t dims[AXLE_MAX_RANK];
  uint64_t size_bytes;
  axle_storage_t storage;
  uint64_t offset; /* in the constant segment or the arena, per storage */
} axle_tensor_info_t;

typedef struct axle_step_info {
  const char* op;   /* kernel contract name, e.g. "matmul", "attention" */
  const char* name; /* source node name; "" when absent */
  uint32_t num_inputs;
  const uint32_t* inputs; /* tensor indices; AXLE_ABSENT_TENSOR for absent optionals */
  uint32_t num_outputs;
  const uint32_t* outputs;
} axle_step_info_t;

/* The target a plan was compiled for, and what it asks of the host CPU (strings valid while the
 * model lives). arch: "x86_64", "aarch64" or "" (any). features: /proc/cpuinfo flags its kernels
 * need, space-separated ("" = none). A host of that arch lacking one refuses the plan at load
 * (AXLE_UNIMPLEMENTED, naming the feature) unless features_optional. */
typedef struct axle_cpu_target {
  const char* target; /* e.g. "orin-x", "host" */
  const char* arch;
  const char* features;
  int features_optional;
} axle_cpu_target_t;

typedef struct axle_context_options {
  /* Optional caller-owned arena: 64-byte aligned, at least axle_model_info_t.arena_bytes, and
   * valid until the context is destroyed. NULL: the context allocates its own. */
  void* arena;
  size_t arena_size;
  /* Threads that run one invoke, counting the calling thread: 0 or 1 runs everything on the
   * caller; N > 1 starts N - 1 workers with the context. Kernels cut their work into chunks
   * that the threads claim as they come, so a thread that is descheduled (the cores are
   * shared) does not hold the others up. Results do not depend on the count, bit for bit. */
  int num_threads;
  /* CPU affinity, as an integrator pins a planner to its cluster: NULL and 0 leave the
   * scheduler free. Otherwise worker i runs on cpus[i % num_cpus] and the thread that calls
   * axle_context_invoke is pinned to cpus[0] (on its first invoke, and again whenever another
   * thread invokes; the pinning is not undone). Each CPU must exist and be in the process's
   * affinity mask; an empty list or a missing CPU is AXLE_INVALID_ARGUMENT. The array is
   * copied. */
  const int32_t* cpus;
  uint32_t num_cpus;
  /* How long a waiting thread (a worker between parallel steps, the caller waiting for the
   * last chunk) stays awake before sleeping, in microseconds: it spins for this long, then
   * yields the core for as long again, then sleeps; it sleeps at once when it sees it was
   * preempted. 0 (AXLE_SPIN_DEFAULT) means AXLE_DEFAULT_SPIN_MICROSECONDS; AXLE_SPIN_NEVER
   * sleeps at once (least CPU taken from other processes, slowest wake-up); at most
   * AXLE_MAX_SPIN_MICROSECONDS. */
  int32_t spin_microseconds;
} axle_context_options_t;

#define AXLE_SPIN_DEFAULT 0
#define AXLE_SPIN_NEVER (-1)
#define AXLE_DEFAULT_SPIN_MICROSECONDS 1000
#define AXLE_MAX_SPIN_MICROSECONDS 1000000

/* Name of a status code, e.g. "INVALID_MODEL". Never NULL. */
const char* axle_status_name(axle_status_t status);
/* Message of this thread's last failing call; "" if none. */
const char* axle_last_error(void);
/* Name of a dtype, e.g. "f32". */
const char* axle_dtype_name(axle_dtype_t dtype);
/* Size in bytes of one element of dtype; 0 if unknown. */
size_t axle_dtype_size(axle_dtype_t dtype);

/* Maps the file read-only and validates it (format, bounds, kernel contracts). */
axle_status_t axle_model_load_file(const char* path, axle_model_t** out_model);
/* Validates a model held in the caller's buffer (64-byte aligned) and uses it in place. */
axle_status_t axle_model_load_buffer(const void* data, size_t size, axle_model_t** out_model);
void axle_model_retain(axle_model_t* model);
/* Drops one reference; frees the model with its last one. NULL is ignored. */
void axle_model_release(axle_model_t* model);

axle_status_t axle_model_get_info(const axle_model_t* model, axle_model_info_t* out_info);
axle_status_t axle_model_tensor_info(const axle_model_t* model, uint32_t tensor,
                                     axle_tensor_info_t* out_info);
axle_status_t axle_model_step_info(const axle_model_t* model, uint32_t step,
                                   axle_step_info_t* out_info);
axle_status_t axle_model_cpu_target(const axle_model_t* model, axle_cpu_target_t* out_target);
/* Tensor index of the index-th model input / output. */
axle_status_t axle_model_input(const axle_model_t* model, uint32_t index, uint32_t* out_tensor);
axle_status_t axle_model_output(const axle_model_t* model, uint32_t index, uint32_t* out_tensor);
/* Tensor index of the tensor named `name`. */
axle_status_t axle_model_find_tensor(const axle_model_t* model, const char* name,
                                     uint32_t* out_tensor);

/* Creates a context (its arena, its tensor table, its worker threads). options may be NULL
 * (one thread, no pinning, the default spin); zero-initialize the struct and set what you
 * need, so that fields added later keep their defaults. */
axle_status_t axle_context_create(axle_model_t* model, const axle_context_options_t* options,
                                  axle_context_t** out_context);
/* NULL is ignored. */
void axle_context_destroy(axle_context_t* context);

/* Uses the caller's buffer for model input `index` (size must be the tensor's byte size; data
 * aligned to the element size) until rebound. Without a binding, an input lives in the arena:
 * see axle_context_input_buffer. data == NULL restores the arena buffer. */
axle_status_t axle_context_bind_input(axle_context_t* context, uint32_t index, const void* data,
                                      size_t size);
/* Same for model output `index`: invoke writes the output into the caller's buffer. */
axle_status_t axle_context_bind_output(axle_context_t* context, uint32_t index, void* data,
                                       size_t size);
/* The buffer that input `index` is read from (bound or in the arena), for writing inputs in
 * place. */
axle_status_t axle_context_input_buffer(axle_context_t* context, uint32_t index, void** out_data,
                                        size_t* out_size);
/* The buffer that output `index` is written to. */
axle_status_t axle_context_output_buffer(axle_context_t* context, uint32_t index,
                                         const void** out_data, size_t* out_size);
/* Runs the plan once. No heap allocation. */
axle_status_t axle_context_invoke(axle_context_t* context);
/* While step_nanoseconds is set, each invoke adds the wall time of step i (nanoseconds) into
 * step_nanoseconds[i]; num_steps must be the model's step count. The array is the caller's
 * and must outlive its use; NULL stops profiling. */
axle_status_t axle_context_set_profile(axle_context_t* context, uint64_t* step_nanoseconds,
                                       uint32_t num_steps);
/* Which implementation the last invoke ran for `step`: the CPU kernel variant (e.g.
 * "avx512f+amx", "neon+dotprod"), "reference" for ops that have only the reference kernel, or
 * "reference: <why>" when an op with a CPU variant fell back (e.g. a head size the fused
 * attention does not take). "" before the first invoke. A static string. */
axle_status_t axle_context_step_impl(const axle_context_t* context, uint32_t step,
                                     const char** out_impl);
/* The CPU kernel variant this process runs ("reference" when none) and the host's CPU
 * architecture as the kernels name it ("x86_64", "aarch64", "portable"). Static strings. */
const char* axle_cpu_variant(void);
const char* axle_cpu_arch(void);

#ifdef __cplusplus
}
#endif

#endif /* AXLE_AXLE_H_ */
