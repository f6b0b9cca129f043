// Recurrent layers (RNN, GRU, LSTM), unrolled over the static sequence: one matrix product of
// the whole input with W per direction, then per step a product of the state with R, the gates
// and their activations. sequence_lens (a compile-time constant) masks the steps past each
// batch entry's length: its state stops updating and its outputs are 0.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

enum class Cell { kRnn, kGru, kLstm };

mlir::FailureOr<Value> Activate(NodeImporter& n, const std::string& f, Value x) {
  if (f == "Sigmoid") return n.Unary<ir::SigmoidOp>(x);
  if (f == "Tanh") return n.Unary<ir::TanhOp>(x);
  if (f == "Relu") return n.Unary<ir::ReluOp>(x);
  n.NodeError() << "activation '" << f << "' is not supported (Sigmoid, Tanh, Relu)";
  return mlir::failure();
}

// Columns [g * hidden, (g + 1) * hidden) of a [rows, G * hidden] value.
mlir::FailureOr<Value> Gate(NodeImporter& n, Value v, int64_t g, int64_t hidden) {
  const int64_t last = TypeOf(v).getRank() - 1;
  return n.Slice(v, {g * hidden}, {(g + 1) * hidden}, {last}, {1});
}

template <Cell kCell>
LogicalResult ImportRecurrent(NodeImporter& n) {
  constexpr int64_t G = kCell == Cell::kRnn ? 1 : kCell == Cell::kGru ? 3 : 4;
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value w, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value r, n.Input(2));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(3, /*optional=*/true));
  AXLE_ASSIGN_OR_FAIL(Value h0, n.Input(5, /*optional=*/true));
  Value c0, peep;
  if (kCell == Cell::kLstm) {
    AXLE_ASSIGN_OR_FAIL(c0, n.Input(6, /*optional=*/true));
    AXLE_ASSIGN_OR_FAIL(peep, n.Input(7, /*optional=*/true));
  }
  SmallVector<int64_t> lens;
  if (mlir::failed(n.OptionalConstInts(4, "sequence_lens", &lens))) return mlir::failure();
  const bool batch_first = n.AttrInt("layout", 0) != 0;
  if (batch_first) {
    AXLE_ASSIGN_OR_FAIL(x, n.Transpose(x, {1, 0, 2}));
  }
  RankedTensorType xt = TypeOf(x);
  if (xt.getRank() != 3 || TypeOf(w).getRank() != 3 || TypeOf(r).getRank() != 3)
    return n.NodeError() << "X, W and R must have rank 3";
  Type et = xt.getElementType();
  const int64_t seq = xt.getDimSize(0), batch = xt.getDimSize(1);
  const int64_t hidden = n.AttrInt("hidden_size", TypeOf(r).getDimSize(2));
  const std::string direction = n.AttrString("direction", "forward");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return n.NodeError() << "direction '" << direction << "' is unknown";
  if (TypeOf(w).getDimSize(0) != dirs || TypeOf(w).getDimSize(1) != G * hidden)
    return n.NodeError() << "W " << TypeOf(w) << " does not fit " << dirs << " directions of " << G
                         << " gates of " << hidden;
  // Unrolled: every step is a handful of ops, so the sequence length is bounded.
  if (seq * dirs > 4096 || hidden < 1 ||
      mlir::failed(n.CheckComputedSize(batch * hidden, "the recurrent state")))
    return n.NodeError() << "a sequence of " << seq << " steps (" << dirs
                         << " directions) with hidden size " << hidden
                         << " is outside what is unrolled (at most 4096 steps)";
  // Every operand's shape, before any is sliced.
  const int64_t input_size = xt.getDimSize(2);
  auto expect = [&](Value v, llvm::ArrayRef<int64_t> shape) {
    return !v || TypeOf(v).getShape() == shape;
  };
  const SmallVector<int64_t> state = batch_first ? SmallVector<int64_t>{batch, dirs, hidden}
                                                 : SmallVector<int64_t>{dirs, batch, hidden};
  if (!expect(w, {dirs, G * hidden, input_size}) || !expect(r, {dirs, G * hidden, hidden}) ||
      !expect(b, {dirs, 2 * G * hidden}) || !expect(h0, state) || !expect(c0, state) ||
      !expect(peep, {dirs, 3 * hidden}))
    return n.NodeError() << "W " << TypeOf(w) << ", R " << TypeOf(r)
                         << " (and B, initial states, P) do not fit " << dirs << " direction(s), "
                         << G << " gate(s) of hidden size " << hidden << " over input size "
                         << input_size << " and batch " << batch;
  if (!lens.empty() && static_cast<int64_t>(lens.size()) != batch)
    return n.NodeError() << "sequence_lens has " << lens.size() << " entries for batch " << batch;
  SmallVector<std::string> acts;
  if (const auto* a = n.Attr("activations"))
    for (const auto& s : a->strings()) acts.push_back(s);
  if (acts.empty()) {
    if (kCell == Cell::kRnn) acts = {"Tanh", "Tanh"};
    if (kCell == Cell::kGru) acts = {"Sigmoid", "Tanh", "Sigmoid", "Tanh"};
    if (kCell == Cell::kLstm) acts = {"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"};
  }
  const size_t per_dir = kCell == Cell::kRnn ? 1 : kCell == Cell::kGru ? 2 : 3;
  if (acts.size() < per_dir * dirs) return n.NodeError() << "too few activations";
  if (n.Attr("activation_alpha") || n.Attr("activation_beta"))
    return n.NodeError() << "activation_alpha/beta are not supported";
  if (kCell == Cell::kLstm && n.AttrInt("input_forget", 0))
    return n.NodeError() << "input_forget is not supported";
  const float clip = n.AttrFloat("clip", 0.0f);
  const bool linear_before_reset = n.AttrInt("linear_before_reset", 0) != 0;
  auto clipped = [&](Value v) -> mlir::FailureOr<Value> {
    if (clip <= 0) return v;
    return n.Make<ir::ClipOp>(TypeOf(v), v, n.builder().getF32FloatAttr(-clip),
                              n.builder().getF32FloatAttr(clip));
  };

  SmallVector<Value> y_dirs, h_dirs, c_dirs;
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    auto pick = [&](Value v, int64_t rows) -> mlir::FailureOr<Value> {  // v[d] as [rows, cols]
      AXLE_ASSIGN_OR_FAIL(Value s, n.Slice(v, {d}, {d + 1}, {0}, {1}));
      return n.Reshape(s, {rows, TypeOf(v).getNumElements() / (TypeOf(v).getDimSize(0) * rows)});
    };
    AXLE_ASSIGN_OR_FAIL(Value wd, pick(w, G * hidden));
    AXLE_ASSIGN_OR_FAIL(Value rd, pick(r, G * hidden));
    AXLE_ASSIGN_OR_FAIL(Value wt, n.Transpose(wd, {1, 0}));
    AXLE_ASSIGN_OR_FAIL(Value rt, n.Transpose(rd, {1, 0}));  // [hidden, G hidden]
    AXLE_ASSIGN_OR_FAIL(Value xw, n.MatMul(x, wt));          // [seq, batch, G hidden]
    Value rb;  // R's bias, kept apart for GRU's linear_before_reset
    if (b) {
      AXLE_ASSIGN_OR_FAIL(Value bd, pick(b, 1));
      AXLE_ASSIGN_OR_FAIL(Value wb, n.Slice(bd, {0}, {G * hidden}, {1}, {1}));
      AXLE_ASSIGN_OR_FAIL(rb, n.Slice(bd, {G * hidden}, {2 * G * hidden}, {1}, {1}));
      AXLE_ASSIGN_OR_FAIL(xw, n.Binary<ir::AddOp>(xw, wb));
      if (kCell != Cell::kGru) {
        AXLE_ASSIGN_OR_FAIL(xw, n.Binary<ir::AddOp>(xw, rb));
      }
    }
    Value h, c;
    if (h0) {
      AXLE_ASSIGN_OR_FAIL(Value h0t, batch_first ? n.Transpose(h0, {1, 0, 2}) : h0);
      AXLE_ASSIGN_OR_FAIL(h, pick(h0t, batch));
    } else {
      h = n.Const({batch, hidden}, {0.0}, et);
    }
    if (kCell == Cell::kLstm) {
      if (c0) {
        AXLE_ASSIGN_OR_FAIL(Value c0t, batch_first ? n.Transpose(c0, {1, 0, 2}) : c0);
        AXLE_ASSIGN_OR_FAIL(c, pick(c0t, batch));
      } else {
        c = n.Const({batch, hidden}, {0.0}, et);
      }
    }
    Value p_i, p_o, p_f;
    if (peep) {
      AXLE_ASSIGN_OR_FAIL(Value pd, pick(peep, 1));
      AXLE_ASSIGN_OR_FAIL(p_i, Gate(n, pd, 0, hidden));
      AXLE_ASSIGN_OR_FAIL(p_o, Gate(n, pd, 1, hidden));
      AXLE_ASSIGN_OR_FAIL(p_f, Gate(n, pd, 2, hidden));
    }
    const std::string f = acts[per_dir * d], g = per_dir > 1 ? acts[per_dir * d + 1] : "",
                      hfun = per_dir > 2 ? acts[per_dir * d + 2] : "";
    SmallVector<Value> ys(seq);
    for (int64_t s = 0; s < seq; ++s) {
      const int64_t t = reverse ? seq - 1 - s : s;
      AXLE_ASSIGN_OR_FAIL(Value xwt, n.Slice(xw, {t}, {t + 1}, {0}, {1}));
      AXLE_ASSIGN_OR_FAIL(xwt, n.Reshape(xwt, {batch, G * hidden}));
      Value h_new, c_new;
      if (kCell == Cell::kRnn) {
        AXLE_ASSIGN_OR_FAIL(Value hr, n.MatMul(h, rt));
        AXLE_ASSIGN_OR_FAIL(Value pre, n.Binary<ir::AddOp>(xwt, hr));
        AXLE_ASSIGN_OR_FAIL(pre, clipped(pre));
        AXLE_ASSIGN_OR_FAIL(h_new, Activate(n, f, pre));
      } else if (kCell == Cell::kGru) {
        AXLE_ASSIGN_OR_FAIL(Value rzr, Gate(n, rt, 0, 2 * hidden));  // z and r columns
        AXLE_ASSIGN_OR_FAIL(Value rh, Gate(n, rt, 2, hidden));
        AXLE_ASSIGN_OR_FAIL(Value hzr, n.MatMul(h, rzr));
        if (rb) {
          AXLE_ASSIGN_OR_FAIL(Value rbzr, n.Slice(rb, {0}, {2 * hidden}, {1}, {1}));
          AXLE_ASSIGN_OR_FAIL(hzr, n.Binary<ir::AddOp>(hzr, rbzr));
        }
        AXLE_ASSIGN_OR_FAIL(Value xz, Gate(n, xwt, 0, hidden));
        AXLE_ASSIGN_OR_FAIL(Value xr, Gate(n, xwt, 1, hidden));
        AXLE_ASSIGN_OR_FAIL(Value xh, Gate(n, xwt, 2, hidden));
        AXLE_ASSIGN_OR_FAIL(Value hz, Gate(n, hzr, 0, hidden));
        AXLE_ASSIGN_OR_FAIL(Value hr, Gate(n, hzr, 1, hidden));
        AXLE_ASSIGN_OR_FAIL(Value zp, n.Binary<ir::AddOp>(xz, hz));
        AXLE_ASSIGN_OR_FAIL(zp, clipped(zp));
        AXLE_ASSIGN_OR_FAIL(Value z, Activate(n, f, zp));
        AXLE_ASSIGN_OR_FAIL(Value rp, n.Binary<ir::AddOp>(xr, hr));
        AXLE_ASSIGN_OR_FAIL(rp, clipped(rp));
        AXLE_ASSIGN_OR_FAIL(Value rg, Activate(n, f, rp));
        Value rbh;
        if (rb) {
          AXLE_ASSIGN_OR_FAIL(rbh, Gate(n, rb, 2, hidden));
        }
        Value hh;
        if (linear_before_reset) {
          AXLE_ASSIGN_OR_FAIL(hh, n.MatMul(h, rh));
          if (rbh) {
            AXLE_ASSIGN_OR_FAIL(hh, n.Binary<ir::AddOp>(hh, rbh));
          }
          AXLE_ASSIGN_OR_FAIL(hh, n.Binary<ir::MulOp>(rg, hh));
        } else {
          AXLE_ASSIGN_OR_FAIL(Value rhm, n.Binary<ir::MulOp>(rg, h));
          AXLE_ASSIGN_OR_FAIL(hh, n.MatMul(rhm, rh));
          if (rbh) {
            AXLE_ASSIGN_OR_FAIL(hh, n.Binary<ir::AddOp>(hh, rbh));
          }
        }
        AXLE_ASSIGN_OR_FAIL(Value hp, n.Binary<ir::AddOp>(xh, hh));
        AXLE_ASSIGN_OR_FAIL(hp, clipped(hp));
        AXLE_ASSIGN_OR_FAIL(Value cand, Activate(n, g, hp));
        // (1 - z) cand + z h = cand + z (h - cand)
        AXLE_ASSIGN_OR_FAIL(Value diff, n.Binary<ir::SubOp>(h, cand));
        AXLE_ASSIGN_OR_FAIL(Value zd, n.Binary<ir::MulOp>(z, diff));
        AXLE_ASSIGN_OR_FAIL(h_new, n.Binary<ir::AddOp>(cand, zd));
      } else {
        AXLE_ASSIGN_OR_FAIL(Value hr, n.MatMul(h, rt));
        AXLE_ASSIGN_OR_FAIL(Value pre, n.Binary<ir::AddOp>(xwt, hr));
        AXLE_ASSIGN_OR_FAIL(Value pi, Gate(n, pre, 0, hidden));
        AXLE_ASSIGN_OR_FAIL(Value po, Gate(n, pre, 1, hidden));
        AXLE_ASSIGN_OR_FAIL(Value pf, Gate(n, pre, 2, hidden));
        AXLE_ASSIGN_OR_FAIL(Value pc, Gate(n, pre, 3, hidden));
        if (peep) {
          AXLE_ASSIGN_OR_FAIL(Value a, n.Binary<ir::MulOp>(p_i, c));
          AXLE_ASSIGN_OR_FAIL(pi, n.Binary<ir::AddOp>(pi, a));
          AXLE_ASSIGN_OR_FAIL(Value bf, n.Binary<ir::MulOp>(p_f, c));
          AXLE_ASSIGN_OR_FAIL(pf, n.Binary<ir::AddOp>(pf, bf));
        }
        AXLE_ASSIGN_OR_FAIL(pi, clipped(pi));
        AXLE_ASSIGN_OR_FAIL(pf, clipped(pf));
        AXLE_ASSIGN_OR_FAIL(pc, clipped(pc));
        AXLE_ASSIGN_OR_FAIL(Value ig, Activate(n, f, pi));
        AXLE_ASSIGN_OR_FAIL(Value fg, Activate(n, f, pf));
        AXLE_ASSIGN_OR_FAIL(Value cg, Activate(n, g, pc));
        AXLE_ASSIGN_OR_FAIL(Value fc, n.Binary<ir::MulOp>(fg, c));
        AXLE_ASSIGN_OR_FAIL(Value icg, n.Binary<ir::MulOp>(ig, cg));
        AXLE_ASSIGN_OR_FAIL(c_new, n.Binary<ir::AddOp>(fc, icg));
        if (peep) {
          AXLE_ASSIGN_OR_FAIL(Value a, n.Binary<ir::MulOp>(p_o, c_new));
          AXLE_ASSIGN_OR_FAIL(po, n.Binary<ir::AddOp>(po, a));
        }
        AXLE_ASSIGN_OR_FAIL(po, clipped(po));
        AXLE_ASSIGN_OR_FAIL(Value og, Activate(n, f, po));
        AXLE_ASSIGN_OR_FAIL(Value hc, Activate(n, hfun, c_new));
        AXLE_ASSIGN_OR_FAIL(h_new, n.Binary<ir::MulOp>(og, hc));
      }
      Value y_t = h_new;
      if (!lens.empty()) {  // entries whose sequence has ended keep their state, output 0
        SmallVector<double> live;
        for (int64_t i = 0; i < batch; ++i) live.push_back(t < lens[i]);
        Value mask = n.Const({batch, 1}, live, n.I1());
        AXLE_ASSIGN_OR_FAIL(h_new, n.Where(mask, h_new, h));
        if (c_new) {
          AXLE_ASSIGN_OR_FAIL(c_new, n.Where(mask, c_new, c));
        }
        AXLE_ASSIGN_OR_FAIL(y_t, n.Where(mask, y_t, n.Scalar(0.0, et)));
      }
      h = h_new;
      if (c_new) c = c_new;
      AXLE_ASSIGN_OR_FAIL(ys[t], n.Reshape(y_t, {1, 1, batch, hidden}));
    }
    AXLE_ASSIGN_OR_FAIL(Value yd, n.Concat(ys, 0));
    y_dirs.push_back(yd);
    AXLE_ASSIGN_OR_FAIL(Value hd, n.Reshape(h, {1, batch, hidden}));
    h_dirs.push_back(hd);
    if (c) {
      AXLE_ASSIGN_OR_FAIL(Value cd, n.Reshape(c, {1, batch, hidden}));
      c_dirs.push_back(cd);
    }
  }
  AXLE_ASSIGN_OR_FAIL(Value y, n.Concat(y_dirs, 1));   // [seq, dirs, batch, hidden]
  AXLE_ASSIGN_OR_FAIL(Value yh, n.Concat(h_dirs, 0));  // [dirs, batch, hidden]
  if (batch_first) {
    AXLE_ASSIGN_OR_FAIL(y, n.Transpose(y, {2, 0, 1, 3}));
    AXLE_ASSIGN_OR_FAIL(yh, n.Transpose(yh, {1, 0, 2}));
  }
  n.SetOutput(0, y);
  n.SetOutput(1, yh);
  if (kCell == Cell::kLstm && n.HasOutput(2)) {
    AXLE_ASSIGN_OR_FAIL(Value yc, n.Concat(c_dirs, 0));
    if (batch_first) {
      AXLE_ASSIGN_OR_FAIL(yc, n.Transpose(yc, {1, 0, 2}));
    }
    n.SetOutput(2, yc);
  }
  return mlir::success();
}

}  // namespace

void RegisterRecurrentOps(OpRegistry& r) {
  r.On("RNN", 7, ImportRecurrent<Cell::kRnn>);
  r.On("GRU", 7, ImportRecurrent<Cell::kGru>);
  r.On("LSTM", 7, ImportRecurrent<Cell::kLstm>);
}

}  // namespace axle::importer
