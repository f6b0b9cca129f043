// Loading a model: FlatBuffers verification, then the semantic validator that checks every
// index, size, range and kernel contract, and decodes the plan the contexts walk.
#include "runtime/src/model.h"

#include <sys/mman.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>

#include "kernels/common/pack_wq.h"
#include "kernels/cpu/cpu_kernels.h"
#include "runtime/schema/axle_model_generated.h"
#include "runtime/src/op_table.h"

namespace axle {
namespace {

namespace fb = ::axle::schema;

// Largest arena a model may ask for (1 TiB): anything larger is a corrupt size field.
constexpr uint64_t kMaxArenaBytes = uint64_t{1} << 40;
// Smallest file: size prefix (4), root offset (4), identifier (4).
constexpr uint64_t kMinFileBytes = 12;

static_assert(static_cast<int>(fb::DType_BOOL) == static_cast<int>(DType::kBool),
              "schema DType and kernels DType must agree");
static_assert(static_cast<int>(fb::DType_MAX) + 1 == kNumDTypes, "DType count");
static_assert(AXLE_MAX_RANK == kMaxRank, "rank limits must agree");

template <typename T>
std::unique_ptr<T[]> NewArray(size_t n) {
  return std::unique_ptr<T[]>(new (std::nothrow) T[n == 0 ? 1 : n]);
}

const char* Str(const flatbuffers::String* s) { return s ? s->c_str() : ""; }

const char* ParamsName(uint8_t type) {
  return type <= fb::Params_MAX ? fb::EnumNameParams(static_cast<fb::Params>(type)) : "unknown";
}

// The FlatBuffers verifier checks a vector's 4-byte length field, not that 8-byte elements
// are 8-byte aligned; flatc always aligns them, so a misaligned one is a corrupt file (and
// reading it would be undefined behaviour).
bool Aligned8(const flatbuffers::Vector<int64_t>* v) {
  // An empty vector has no element to read (and FlatBuffers does not align one).
  return !v || v->size() == 0 || reinterpret_cast<uintptr_t>(v->data()) % alignof(int64_t) == 0;
}

// Copies a list parameter into a fixed array.
Status CopyList(const flatbuffers::Vector<int64_t>* v, const char* what, int64_t* dst,
                int32_t* count) {
  if (!Aligned8(v))
    return Error(AXLE_INVALID_MODEL, "%s: its 64-bit entries are not 8-byte aligned", what);
  const uint32_t n = v ? v->size() : 0;
  if (n > static_cast<uint32_t>(kMaxRank))
    return Error(AXLE_INVALID_MODEL, "%s has %u entries; at most %d are allowed", what, n,
                 kMaxRank);
  for (uint32_t i = 0; i < n; ++i) dst[i] = v->Get(i);
  if (count) *count = static_cast<int32_t>(n);
  return AXLE_OK;
}

Status DecodeParams(const fb::Step* s, const OpInfo& op, StepParams* p, int32_t* list_size) {
  const uint8_t type = s->params_type();
  if (type == fb::Params_NONE) {
    if (op.params_required)
      return Error(AXLE_INVALID_MODEL, "%s requires a %s table, and the step has none", op.name,
                   ParamsName(op.params_type));
    return AXLE_OK;
  }
  if (type != op.params_type)
    return Error(AXLE_INVALID_MODEL, "%s takes %s, but the step carries %s", op.name,
                 op.params_type ? ParamsName(op.params_type) : "no parameters", ParamsName(type));
  // Union members are verified tables; a null here means the union value is missing.
  switch (type) {
  case fb::Params_GemmParams: {
    const auto* g = s->params_as_GemmParams();
    if (!g) break;
    p->alpha = g->alpha();
    p->beta = g->beta();
    p->trans_a = g->trans_a();
    p->trans_b = g->trans_b();
    return AXLE_OK;
  }
  case fb::Params_AxisParams: {
    const auto* a = s->params_as_AxisParams();
    if (!a) break;
    p->axis = a->axis();
    return AXLE_OK;
  }
  case fb::Params_LayerNormParams: {
    const auto* l = s->params_as_LayerNormParams();
    if (!l) break;
    p->axis = l->axis();
    p->epsilon = l->epsilon();
    return AXLE_OK;
  }
  case fb::Params_ReduceParams: {
    const auto* r = s->params_as_ReduceParams();
    if (!r) break;
    p->keepdims = r->keepdims();
    int64_t axes[kMaxRank];
    int32_t n = 0;
    AXLE_RETURN_IF_ERROR(CopyList(r->axes(), "ReduceParams.axes", axes, &n));
    for (int32_t i = 0; i < n; ++i) {
      if (axes[i] < 0 || axes[i] >= kMaxRank)
        return Error(AXLE_INVALID_MODEL, "ReduceParams.axes[%d] = %lld is outside [0, %d)", i,
                     static_cast<long long>(axes[i]), kMaxRank);
      const uint32_t bit = 1u << axes[i];
      if (p->axes_mask & bit)
        return Error(AXLE_INVALID_MODEL, "ReduceParams.axes repeats axis %lld",
                     static_cast<long long>(axes[i]));
      p->axes_mask |= bit;
    }
    return AXLE_OK;
  }
  case fb::Params_TransposeParams: {
    const auto* t = s->params_as_TransposeParams();
    if (!t) break;
    return CopyList(t->perm(), "TransposeParams.perm", p->perm, list_size);
  }
  case fb::Params_SliceParams: {
    const auto* sl = s->params_as_SliceParams();
    if (!sl) break;
    int32_t n_steps = 0;
    AXLE_RETURN_IF_ERROR(CopyList(sl->starts(), "SliceParams.starts", p->starts, list_size));
    AXLE_RETURN_IF_ERROR(CopyList(sl->steps(), "SliceParams.steps", p->steps, &n_steps));
    if (n_steps != *list_size)
      return Error(AXLE_INVALID_MODEL, "SliceParams has %d starts but %d steps", *list_size,
                   n_steps);
    return AXLE_OK;
  }
  case fb::Params_UnaryParams: {
    const auto* u = s->params_as_UnaryParams();
    if (!u) break;
    p->alpha = u->alpha();
    p->beta = u->beta();
    return AXLE_OK;
  }
  case fb::Params_ActivationParams: {
    const auto* a = s->params_as_ActivationParams();
    if (!a) break;
    if (a->activation() < fb::Activation_MIN || a->activation() > fb::Activation_MAX)
      return Error(AXLE_INVALID_MODEL, "ActivationParams.activation %d is unknown",
                   static_cast<int>(a->activation()));
    p->activation = static_cast<uint8_t>(a->activation());
    return AXLE_OK;
  }
  case fb::Params_LinearParams: {
    const auto* l = s->params_as_LinearParams();
    if (!l) break;
    if (l->activation() < fb::Activation_MIN || l->activation() > fb::Activation_MAX ||
        l->weight_layout() < fb::WeightLayout_MIN || l->weight_layout() > fb::WeightLayout_MAX)
      return Error(AXLE_INVALID_MODEL, "LinearParams: activation %d or weight layout %d is unknown",
                   static_cast<int>(l->activation()), static_cast<int>(l->weight_layout()));
    p->activation = static_cast<uint8_t>(l->activation());
    p->weight_layout = static_cast<uint8_t>(l->weight_layout());
    p->input_scale = l->input_scale();
    p->input_zero_point = l->input_zero_point();
    p->weight_group = l->weight_group();
    if (!IsW4Group(p->weight_group))
      return Error(AXLE_INVALID_MODEL, "LinearParams: weight group %d is not 32, 64 or 128",
                   static_cast<int>(p->weight_group));
    if (!(p->input_scale > 0.0f) || !std::isfinite(p->input_scale) || p->input_zero_point < 0 ||
        p->input_zero_point > 255)
      return Error(AXLE_INVALID_MODEL,
                   "LinearParams: input scale %g must be finite and > 0 and the zero point %d "
                   "in [0, 255]",
                   static_cast<double>(p->input_scale), static_cast<int>(p->input_zero_point));
    if (const auto* w = l->conv_window(); w && w->size() > 0) {
      if (w->size() != 10 || !Aligned8(w))
        return Error(AXLE_INVALID_MODEL,
                     "LinearParams.conv_window has %u values (10, 8-byte aligned: kh kw, strides, "
                     "pads top left bottom right, dilations)",
                     w->size());
      constexpr int64_t kMaxWindow = int64_t{1} << 20, kMaxPad = int64_t{1} << 30;
      for (uint32_t i = 0; i < 10; ++i) {
        const int64_t v = w->Get(i);
        const bool pad = i >= 4 && i < 8;
        if (pad ? (v < 0 || v > kMaxPad) : (v < 1 || v > kMaxWindow))
          return Error(AXLE_INVALID_MODEL,
                       "LinearParams.conv_window value %u is %lld (sizes, strides and "
                       "dilations in [1, 2^20], pads in [0, 2^30])",
                       i, static_cast<long long>(v));
      }
      p->window_rank = 2;
      for (int d = 0; d < 2; ++d) {
        p->kernel[d] = w->Get(d);
        p->strides[d] = w->Get(2 + d);
        p->pads[d] = w->Get(4 + d);
        p->pads[2 + d] = w->Get(6 + d);
        p->dilations[d] = w->Get(8 + d);
      }
    }
    return AXLE_OK;
  }
  case fb::Params_AttentionParams: {
    const auto* a = s->params_as_AttentionParams();
    if (!a) break;
    if (a->mask() < fb::MaskMode_MIN || a->mask() > fb::MaskMode_MAX)
      return Error(AXLE_INVALID_MODEL, "AttentionParams.mask %d is unknown",
                   static_cast<int>(a->mask()));
    p->num_heads = a->num_heads();
    p->kv_heads = a->kv_heads();
    p->zero_empty_rows = a->zero_empty_rows();
    p->alpha = a->scale();
    p->mask_mode = static_cast<uint8_t>(a->mask());
    p->beta = a->mask_fill();
    return AXLE_OK;
  }
  case fb::Params_ElementwiseParams: {
    const auto* e = s->params_as_ElementwiseParams();
    if (!e) break;
    // Verified vectors: data() is in bounds; scalars in a vector are aligned to their size.
    p->code = e->code() ? e->code()->data() : nullptr;
    p->code_size = e->code() ? e->code()->size() : 0;
    p->constants = e->constants() ? e->constants()->data() : nullptr;
    p->num_constants = e->constants() ? e->constants()->size() : 0;
    return AXLE_OK;
  }
  case fb::Params_IndexParams: {
    const auto* x = s->params_as_IndexParams();
    if (!x) break;
    if (x->reduction() < fb::ScatterReduction_MIN || x->reduction() > fb::ScatterReduction_MAX)
      return Error(AXLE_INVALID_MODEL, "IndexParams.reduction %d is unknown",
                   static_cast<int>(x->reduction()));
    p->axis = x->axis();
    p->batch_dims = x->batch_dims();
    p->reduction = static_cast<uint8_t>(x->reduction());
    p->keepdims = x->keepdims();
    p->select_last_index = x->select_last_index();
    p->largest = x->largest();
    p->exclusive = x->exclusive();
    p->reverse = x->reverse();
    return AXLE_OK;
  }
  case fb::Params_WindowParams: {
    const auto* w = s->params_as_WindowParams();
    if (!w) break;
    if (w->pool() < fb::PoolMode_MIN || w->pool() > fb::PoolMode_MAX)
      return Error(AXLE_INVALID_MODEL, "WindowParams.pool %d is unknown",
                   static_cast<int>(w->pool()));
    int32_t n_kernel = 0, n_strides = 0, n_dilations = 0;  // spatial rank
    AXLE_RETURN_IF_ERROR(CopyList(w->kernel(), "WindowParams.kernel", p->kernel, &n_kernel));
    AXLE_RETURN_IF_ERROR(CopyList(w->strides(), "WindowParams.strides", p->strides, &n_strides));
    AXLE_RETURN_IF_ERROR(
        CopyList(w->dilations(), "WindowParams.dilations", p->dilations, &n_dilations));
    const auto* pads = w->pads();
    if (!Aligned8(pads) || (pads ? pads->size() : 0) != 2u * n_kernel || n_strides != n_kernel ||
        n_dilations != n_kernel)
      return Error(AXLE_INVALID_MODEL,
                   "WindowParams: %d kernel sizes need as many strides (%d) and dilations (%d) "
                   "and twice as many pads (%u), 8-byte aligned",
                   n_kernel, n_strides, n_dilations, pads ? pads->size() : 0);
    for (int32_t i = 0; i < n_kernel; ++i) {
      p->pads[i] = pads->Get(i);
      p->pads[n_kernel + i] = pads->Get(n_kernel + i);
      // Pads may be negative (a transposed convolution with an explicit output shape); the
      // kernels bounds-check every position.
      constexpr int64_t kMaxWindow = int64_t{1} << 20, kMaxPad = int64_t{1} << 30;
      if (p->kernel[i] < 1 || p->strides[i] < 1 || p->dilations[i] < 1 ||
          p->kernel[i] > kMaxWindow || p->strides[i] > kMaxWindow || p->dilations[i] > kMaxWindow ||
          p->pads[i] < -kMaxPad || p->pads[i] > kMaxPad || p->pads[n_kernel + i] < -kMaxPad ||
          p->pads[n_kernel + i] > kMaxPad)
        return Error(AXLE_INVALID_MODEL,
                     "WindowParams: spatial dimension %d has kernel %lld, stride %lld, dilation "
                     "%lld (each in [1, 2^20]) or a pad beyond 2^30",
                     i, static_cast<long long>(p->kernel[i]), static_cast<long long>(p->strides[i]),
                     static_cast<long long>(p->dilations[i]));
    }
    p->window_rank = n_kernel;
    p->group = w->group();
    p->pool = static_cast<uint8_t>(w->pool());
    p->count_include_pad = w->count_include_pad();
    p->channels_last = w->channels_last();
    if (w->activation() < fb::Activation_MIN || w->activation() > fb::Activation_MAX)
      return Error(AXLE_INVALID_MODEL, "WindowParams.activation %d is unknown",
                   static_cast<int>(w->activation()));
    p->activation = static_cast<uint8_t>(w->activation());
    p->p = w->p();
    if (p->group < 1 || p->p < 1)
      return Error(AXLE_INVALID_MODEL, "WindowParams: group %lld and p %lld must be >= 1",
                   static_cast<long long>(p->group), static_cast<long long>(p->p));
    return AXLE_OK;
  }
  case fb::Params_PadParams: {
    const auto* pp = s->params_as_PadParams();
    if (!pp) break;
    if (pp->mode() < fb::PadMode_MIN || pp->mode() > fb::PadMode_MAX)
      return Error(AXLE_INVALID_MODEL, "PadParams.mode %d is unknown",
                   static_cast<int>(pp->mode()));
    const auto* pads = pp->pads();
    const uint32_t n = pads ? pads->size() : 0;
    if (!Aligned8(pads) || n > 2u * kMaxRank || n % 2)
      return Error(AXLE_INVALID_MODEL,
                   "PadParams.pads has %u entries (even, at most %d, 8-byte "
                   "aligned)",
                   n, 2 * kMaxRank);
    for (uint32_t i = 0; i < n; ++i) {
      p->pads[i] = pads->Get(i);
      if (p->pads[i] < 0 || p->pads[i] > (int64_t{1} << 40))
        return Error(AXLE_INVALID_MODEL, "PadParams.pads[%u] = %lld is outside [0, 2^40]", i,
                     static_cast<long long>(p->pads[i]));
    }
    p->num_pads = static_cast<int32_t>(n);
    p->pool = static_cast<uint8_t>(pp->mode());
    p->pad_value = pp->value();
    return AXLE_OK;
  }
  case fb::Params_SampleParams: {
    const auto* sp = s->params_as_SampleParams();
    if (!sp) break;
    if (sp->mode() < fb::SampleMode_MIN || sp->mode() > fb::SampleMode_MAX ||
        sp->padding() < fb::SamplePadding_MIN || sp->padding() > fb::SamplePadding_MAX)
      return Error(AXLE_INVALID_MODEL, "SampleParams: mode %d or padding %d is unknown",
                   static_cast<int>(sp->mode()), static_cast<int>(sp->padding()));
    p->pool = static_cast<uint8_t>(sp->mode());
    p->padding = static_cast<uint8_t>(sp->padding());
    p->align_corners = sp->align_corners();
    return AXLE_OK;
  }
  default: break;
  }
  return Error(AXLE_INVALID_MODEL, "the %s parameter table is missing", ParamsName(type));
}

}  // namespace

Status StepError(const StepDesc& step, uint32_t index, Status code, const char* format, ...) {
  char message[768];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return Error(code, "step %u (%s '%s'): %s", index, step.op ? step.op->name : "?", step.name,
               message);
}

Model::~Model() {
  if (owns_mapping_ && data_) munmap(const_cast<uint8_t*>(data_), size_);
}

Status Model::Load(const uint8_t* data, uint64_t size, bool owns_mapping, Model** out) {
  Model* m = new (std::nothrow) Model();
  if (!m) {
    if (owns_mapping) munmap(const_cast<uint8_t*>(data), size);
    return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory allocating the model");
  }
  m->data_ = data;
  m->size_ = size;
  m->owns_mapping_ = owns_mapping;
  const Status s = m->Parse();
  if (s != AXLE_OK) {
    m->Release();
    return s;
  }
  *out = m;
  return AXLE_OK;
}

// The plan's CPU requirements (Model.cpu_*) against this host: on the plan's architecture, each
// required feature must be present unless the plan marks them optional.
static Status CheckCpu(const fb::Model* model) {
  const char* arch = Str(model->cpu_arch());
  const char* features = Str(model->cpu_features());
  if (!*arch || std::strcmp(arch, cpu::Arch()) != 0 || model->cpu_features_optional())
    return AXLE_OK;
  char feature[32];
  for (const char* p = features; *p;) {
    while (*p == ' ') ++p;
    size_t n = 0;
    while (p[n] && p[n] != ' ') ++n;
    if (n == 0) break;
    if (n >= sizeof feature)
      return Error(AXLE_INVALID_MODEL, "cpu_features names a feature of %zu characters", n);
    std::memcpy(feature, p, n);
    feature[n] = '\0';
    if (!cpu::HostHasFeature(feature))
      return Error(AXLE_UNIMPLEMENTED,
                   "the plan was compiled for %s CPUs with '%s' (%s), and this host's CPU lacks "
                   "'%s': compile it for this CPU's target, or with --cpu-features-optional to "
                   "run it on the kernels this host has",
                   arch, features, Str(model->target()), feature);
    p += n;
  }
  return AXLE_OK;
}

Status Model::Parse() {
  // --- Envelope: size prefix, identifier, FlatBuffers verification. ---
  if (size_ < kMinFileBytes)
    return Error(AXLE_INVALID_MODEL,
                 "truncated file: %llu bytes, smaller than the %llu-byte header of a model",
                 static_cast<unsigned long long>(size_),
                 static_cast<unsigned long long>(kMinFileBytes));
  uint32_t fb_size = 0;
  std::memcpy(&fb_size, data_, 4);
  if (static_cast<uint64_t>(fb_size) + 4 > size_)
    return Error(AXLE_INVALID_MODEL,
                 "truncated file: the size prefix at byte offset 0 declares a %u-byte model "
                 "table, but only %llu bytes follow it",
                 fb_size, static_cast<unsigned long long>(size_ - 4));
  if (!flatbuffers::BufferHasIdentifier(data_, fb::ModelIdentifier(), true)) {
    char seen[5] = {};
    for (int i = 0; i < 4; ++i) {
      const uint8_t c = data_[8 + i];
      seen[i] = (c >= 32 && c < 127) ? static_cast<char>(c) : '?';
    }
    return Error(AXLE_INVALID_MODEL,
                 "bad file identifier '%s' at byte offset 8 (expected '%s'): not an Axle model",
                 seen, fb::ModelIdentifier());
  }
  flatbuffers::Verifier verifier(data_, static_cast<size_t>(fb_size) + 4, /*max_depth=*/64,
                                 /*max_tables=*/1u << 22);
  if (!fb::VerifySizePrefixedModelBuffer(verifier))
    return Error(AXLE_INVALID_MODEL,
                 "corrupt model table: FlatBuffers verification of bytes [0, %u) failed (an "
                 "offset, length or string points outside the table or is misaligned)",
                 fb_size + 4);
  const fb::Model* model = fb::GetSizePrefixedModel(data_);

  // --- Header fields. ---
  if (model->schema_version() != AXLE_SCHEMA_VERSION)
    return Error(AXLE_UNIMPLEMENTED,
                 "schema version %u is not supported: this runtime reads version %u",
                 model->schema_version(), AXLE_SCHEMA_VERSION);
  AXLE_RETURN_IF_ERROR(CheckCpu(model));
  cpu_target_.target = Str(model->target());
  cpu_target_.arch = Str(model->cpu_arch());
  cpu_target_.features = Str(model->cpu_features());
  cpu_target_.features_optional = model->cpu_features_optional() ? 1 : 0;
  const auto* tensors = model->tensors();
  const auto* steps = model->steps();
  if (!model->outputs() || model->outputs()->size() == 0)
    return Error(AXLE_INVALID_MODEL, "the model declares no outputs");
  if (!tensors || tensors->size() == 0)
    return Error(AXLE_INVALID_MODEL, "the model declares no tensors");
  num_tensors_ = tensors->size();
  num_steps_ = steps ? steps->size() : 0;
  num_inputs_ = model->inputs() ? model->inputs()->size() : 0;
  num_outputs_ = model->outputs()->size();

  const uint64_t arena = model->arena_size();
  if (arena % kAlignment != 0 || arena > kMaxArenaBytes)
    return Error(AXLE_INVALID_MODEL,
                 "arena_size %llu is invalid: it must be a multiple of %llu and at most %llu",
                 static_cast<unsigned long long>(arena),
                 static_cast<unsigned long long>(kAlignment),
                 static_cast<unsigned long long>(kMaxArenaBytes));

  // --- Constant segment: after the model table, inside the file, aligned. ---
  uint64_t seg_offset = 0, seg_size = 0;
  if (const fb::Segment* seg = model->constants()) {
    seg_offset = seg->offset();
    seg_size = seg->size();
  }
  if (seg_size > 0) {
    if (seg_offset % kAlignment != 0)
      return Error(
          AXLE_INVALID_MODEL, "constant segment at byte offset %llu is not %llu-byte aligned",
          static_cast<unsigned long long>(seg_offset), static_cast<unsigned long long>(kAlignment));
    if (seg_offset < static_cast<uint64_t>(fb_size) + 4)
      return Error(AXLE_INVALID_MODEL,
                   "constant segment at byte offset %llu overlaps the model table (bytes [0, "
                   "%u))",
                   static_cast<unsigned long long>(seg_offset), fb_size + 4);
    if (seg_offset > size_ || seg_size > size_ - seg_offset)
      return Error(
          AXLE_INVALID_MODEL,
          "constant segment [%llu, %llu + %llu) extends past the end of the %llu-byte "
          "file (truncated?)",
          static_cast<unsigned long long>(seg_offset), static_cast<unsigned long long>(seg_offset),
          static_cast<unsigned long long>(seg_size), static_cast<unsigned long long>(size_));
  }

  tensors_ = NewArray<TensorDesc>(num_tensors_);
  steps_ = NewArray<StepDesc>(num_steps_);
  io_ = NewArray<uint32_t>(num_inputs_ + num_outputs_);
  if (!tensors_ || !steps_ || !io_)
    return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory decoding %u tensors and %u steps",
                 num_tensors_, num_steps_);

  // --- Tensors. ---
  for (uint32_t t = 0; t < num_tensors_; ++t) {
    const fb::Tensor* ft = tensors->Get(t);
    TensorDesc& d = tensors_[t];
    d.name = Str(ft->name());
    const int dtype = ft->dtype();
    if (dtype < 0 || dtype >= kNumDTypes)
      return Error(AXLE_INVALID_MODEL, "tensor %u '%s': unknown dtype code %d", t, d.name, dtype);
    d.view.dtype = static_cast<DType>(dtype);
    const int storage = ft->storage();
    if (storage < fb::StorageClass_MIN || storage > fb::StorageClass_MAX)
      return Error(AXLE_INVALID_MODEL, "tensor %u '%s': unknown storage class %d", t, d.name,
                   storage);
    d.storage = static_cast<axle_storage_t>(storage);
    if (ft->memory_space() != 0)
      return Error(AXLE_UNIMPLEMENTED,
                   "tensor %u '%s': memory space %u is not supported (this runtime has host memory "
                   "only, space 0)",
                   t, d.name, ft->memory_space());
    const auto* shape = ft->shape();
    if (!Aligned8(shape))
      return Error(
          AXLE_INVALID_MODEL,
          "tensor %u '%s': its shape vector at byte offset %llu is not 8-byte aligned", t, d.name,
          static_cast<unsigned long long>(reinterpret_cast<const uint8_t*>(shape->data()) - data_));
    const uint32_t rank = shape ? shape->size() : 0;
    if (rank > static_cast<uint32_t>(kMaxRank))
      return Error(AXLE_INVALID_MODEL, "tensor %u '%s': rank %u exceeds the maximum of %d", t,
                   d.name, rank, kMaxRank);
    d.view.shape.rank = static_cast<int32_t>(rank);
    uint64_t bytes = DTypeSize(d.view.dtype);
    for (uint32_t i = 0; i < rank; ++i) {
      const int64_t dim = shape->Get(i);
      if (dim < 0)
        return Error(AXLE_INVALID_MODEL, "tensor %u '%s': dimension %u is negative (%lld)", t,
                     d.name, i, static_cast<long long>(dim));
      d.view.shape.dims[i] = dim;
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes) ||
          bytes > (uint64_t{1} << 62))
        return Error(AXLE_INVALID_MODEL,
                     "tensor %u '%s': byte size of shape x dtype overflows (at dimension %u)", t,
                     d.name, i);
    }
    d.size = ft->size();
    d.offset = ft->offset();
    if (d.size != bytes)
      return Error(AXLE_INVALID_MODEL,
                   "tensor %u '%s': size field is %llu bytes but shape x dtype (%s) is %llu", t,
                   d.name, static_cast<unsigned long long>(d.size), DTypeName(d.view.dtype),
                   static_cast<unsigned long long>(bytes));
    if (d.offset % kAlignment != 0)
      return Error(AXLE_INVALID_MODEL, "tensor %u '%s': %s offset %llu is not %llu-byte aligned", t,
                   d.name, d.storage == AXLE_STORAGE_CONSTANT ? "constant-segment" : "arena",
                   static_cast<unsigned long long>(d.offset),
                   static_cast<unsigned long long>(kAlignment));
    if (d.storage == AXLE_STORAGE_CONSTANT) {
      if (d.offset > seg_size || d.size > seg_size - d.offset)
        return Error(AXLE_INVALID_MODEL,
                     "tensor %u '%s': constant bytes [%llu, %llu) lie outside the %llu-byte "
                     "constant segment",
                     t, d.name, static_cast<unsigned long long>(d.offset),
                     static_cast<unsigned long long>(d.offset + d.size),
                     static_cast<unsigned long long>(seg_size));
      d.view.data = const_cast<uint8_t*>(data_ + seg_offset + d.offset);
    } else if (d.offset > arena || d.size > arena - d.offset) {
      return Error(AXLE_INVALID_MODEL,
                   "tensor %u '%s': arena slice [%llu, %llu) lies outside the %llu-byte arena", t,
                   d.name, static_cast<unsigned long long>(d.offset),
                   static_cast<unsigned long long>(d.offset + d.size),
                   static_cast<unsigned long long>(arena));
    }
  }

  // --- Model inputs and outputs: exactly the tensors of storage Input / Output. ---
  std::unique_ptr<uint8_t[]> listed = NewArray<uint8_t>(num_tensors_);
  std::unique_ptr<uint8_t[]> written = NewArray<uint8_t>(num_tensors_);
  if (!listed || !written) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory");
  std::memset(listed.get(), 0, num_tensors_);
  std::memset(written.get(), 0, num_tensors_);
  for (int io = 0; io < 2; ++io) {
    const auto* list = io == 0 ? model->inputs() : model->outputs();
    const uint32_t n = io == 0 ? num_inputs_ : num_outputs_;
    const axle_storage_t want = io == 0 ? AXLE_STORAGE_INPUT : AXLE_STORAGE_OUTPUT;
    const char* what = io == 0 ? "input" : "output";
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t t = list->Get(i);
      if (t >= num_tensors_)
        return Error(AXLE_INVALID_MODEL, "model %s %u names tensor %u, but there are only %u", what,
                     i, t, num_tensors_);
      if (tensors_[t].storage != want)
        return Error(AXLE_INVALID_MODEL,
                     "model %s %u is tensor %u '%s', whose storage class is not %s", what, i, t,
                     tensors_[t].name, what);
      if (listed[t])
        return Error(AXLE_INVALID_MODEL, "tensor %u '%s' is listed twice as a model %s", t,
                     tensors_[t].name, what);
      listed[t] = 1;
      io_[io == 0 ? i : num_inputs_ + i] = t;
    }
  }
  for (uint32_t t = 0; t < num_tensors_; ++t) {
    const axle_storage_t s = tensors_[t].storage;
    if ((s == AXLE_STORAGE_INPUT || s == AXLE_STORAGE_OUTPUT) && !listed[t])
      return Error(AXLE_INVALID_MODEL,
                   "tensor %u '%s' has storage class %s but is not in the model's %s list", t,
                   tensors_[t].name, s == AXLE_STORAGE_INPUT ? "Input" : "Output",
                   s == AXLE_STORAGE_INPUT ? "inputs" : "outputs");
  }

  // --- Steps: operands, contracts, parameters, and dataflow (no read before write). ---
  uint64_t total_operands = 0;
  for (uint32_t i = 0; i < num_steps_; ++i) {
    const fb::Step* s = steps->Get(i);
    const uint64_t n = (s->inputs() ? s->inputs()->size() : 0) +
                       static_cast<uint64_t>(s->outputs() ? s->outputs()->size() : 0);
    total_operands += n;
    if (n > max_step_operands_) max_step_operands_ = static_cast<uint32_t>(n);
  }
  operands_ = NewArray<uint32_t>(total_operands);
  // Validation views: operand pointers into tensors_ (data unset), as the kernels will see them.
  std::unique_ptr<const TensorView*[]> views = NewArray<const TensorView*>(max_step_operands_);
  if (!operands_ || !views) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory");
  uint32_t next_operand = 0;
  for (uint32_t i = 0; i < num_steps_; ++i) {
    const fb::Step* s = steps->Get(i);
    StepDesc& d = steps_[i];
    d.name = Str(s->name());
    d.opcode = s->op();
    d.op = FindOp(d.opcode);
    if (s->backend() != 0)
      return Error(AXLE_UNIMPLEMENTED,
                   "step %u ('%s'): backend %u is not supported (this runtime has the CPU backend "
                   "only, 0)",
                   i, d.name, s->backend());
    if (!d.op)
      return Error(AXLE_UNIMPLEMENTED,
                   "step %u ('%s'): unknown kernel id %u (this runtime does not implement it)", i,
                   d.name, d.opcode);
    const OpInfo& op = *d.op;
    d.num_inputs = s->inputs() ? s->inputs()->size() : 0;
    d.num_outputs = s->outputs() ? s->outputs()->size() : 0;
    d.first_operand = next_operand;
    if (d.num_inputs < op.min_inputs || (op.max_inputs != 255 && d.num_inputs > op.max_inputs))
      return StepError(d, i, AXLE_INVALID_MODEL, "has %u inputs; the kernel takes %u to %u",
                       d.num_inputs, op.min_inputs, op.max_inputs);
    if (d.num_outputs < op.min_outputs || d.num_outputs > op.max_outputs)
      return StepError(d, i, AXLE_INVALID_MODEL, "has %u outputs; the kernel takes %u to %u",
                       d.num_outputs, op.min_outputs, op.max_outputs);
    const uint32_t n = d.num_inputs + d.num_outputs;
    for (uint32_t k = 0; k < n; ++k) {
      const bool is_input = k < d.num_inputs;
      const uint32_t slot = is_input ? k : k - d.num_inputs;
      const uint32_t t = is_input ? s->inputs()->Get(slot) : s->outputs()->Get(slot);
      const char* role = is_input ? "input" : "output";
      operands_[next_operand++] = t;
      views[k] = nullptr;
      if (t == kAbsent) {
        if (slot < (is_input ? op.min_inputs : op.min_outputs))
          return StepError(d, i, AXLE_INVALID_MODEL, "required %s %u is absent", role, slot);
        continue;
      }
      if (t >= num_tensors_)
        return StepError(d, i, AXLE_INVALID_MODEL,
                         "%s %u names tensor %u, but the model has only %u tensors", role, slot, t,
                         num_tensors_);
      const TensorDesc& td = tensors_[t];
      views[k] = &td.view;
      if (is_input) {
        if ((td.storage == AXLE_STORAGE_ARENA || td.storage == AXLE_STORAGE_OUTPUT) && !written[t])
          return StepError(d, i, AXLE_INVALID_MODEL,
                           "input %u reads tensor %u '%s' before any step writes it", slot, t,
                           td.name);
      } else {
        if (td.storage == AXLE_STORAGE_CONSTANT || td.storage == AXLE_STORAGE_INPUT)
          return StepError(d, i, AXLE_INVALID_MODEL,
                           "output %u writes tensor %u '%s', which is a model %s (read-only)", slot,
                           t, td.name, td.storage == AXLE_STORAGE_CONSTANT ? "constant" : "input");
      }
    }
    int32_t list_size = -1;
    if (DecodeParams(s, op, &d.params, &list_size) != AXLE_OK)
      return PrefixError(AXLE_INVALID_MODEL, "step %u (%s '%s'): ", i, op.name, d.name);
    if (list_size >= 0) {
      // List parameters have one entry per input dimension.
      const TensorView* x = views[0];
      if (!x || list_size != x->shape.rank)
        return StepError(d, i, AXLE_INVALID_MODEL,
                         "parameter list has %d entries but input 0 has rank %d", list_size,
                         x ? x->shape.rank : -1);
    }
    const OpArgs args{views.get(), d.num_inputs, views.get() + d.num_inputs, d.num_outputs,
                      d.params};
    if (op.validate(op, args) != AXLE_OK)
      return PrefixError(AXLE_INVALID_MODEL, "step %u (%s '%s'): ", i, op.name, d.name);
    for (uint32_t k = 0; k < d.num_outputs; ++k) {
      const uint32_t t = operands_[d.first_operand + d.num_inputs + k];
      if (t != kAbsent) written[t] = 1;
    }
  }
  for (uint32_t i = 0; i < num_outputs_; ++i) {
    const uint32_t t = io_[num_inputs_ + i];
    if (!written[t])
      return Error(AXLE_INVALID_MODEL, "model output %u (tensor %u '%s') is never written", i, t,
                   tensors_[t].name);
  }

  // --- Summary for queries. ---
  info_.schema_version = model->schema_version();
  const fb::Metadata* meta = model->metadata();
  info_.producer = meta ? Str(meta->producer()) : "";
  info_.source_model_hash = meta ? Str(meta->source_model_hash()) : "";
  info_.compile_options = meta ? Str(meta->compile_options()) : "";
  info_.producer_version = Str(model->producer_version());
  info_.target = Str(model->target());
  info_.num_tensors = num_tensors_;
  info_.num_steps = num_steps_;
  info_.num_inputs = num_inputs_;
  info_.num_outputs = num_outputs_;
  info_.arena_bytes = arena;
  info_.constant_bytes = seg_size;
  info_.file_bytes = size_;
  return AXLE_OK;
}

}  // namespace axle
