// The LU-architecture experiment of thesis Fig 7.1 (Ex 7.3.5), in C++.
//
// A one-hidden-layer ReLU network R(x) = W_2 relu(W_1 x + b_1) + b_2 with
// LU masks -- W_1 upper triangular (I_1 = {i <= j}), W_2 lower triangular
// (I_2 = {j <= i}), biases free -- is trained to fit y = A x, A the
// anti-diagonal identity, x ~ U([-1, 1]^d). A lies in cl(L_I) \ L_I (it has
// no LU factorization, Thm 3.1.8, but is a limit of products L U), so by
// Lemma 7.6.1 the loss can be driven to 0 only with weights of unbounded
// norm: without regularization (lambda = 0) the weight norms keep growing;
// weight decay (lambda > 0) stops the growth at the price of a larger loss.
//
// Thesis setting: d = 100, 10^5 training and 10^5 test samples, SGD with
// batch 3000, learning rate 0.1, momentum 0.9, weight decay lambda in
// {0, 1e-4, 5e-4, 1e-3}, 10 runs, epochs unspecified. Defaults here, chosen
// so that many more SGD steps fit in well under a minute on two cores
// (Release), and every deviation stated (also in the output and in
// examples/README.md):
//   d = 4 (thesis 100);
//   1000 training + 1000 test samples (thesis 10^5 each);
//   batch 100 (thesis 3000), i.e. 10 steps per epoch;
//   100000 epochs = 10^6 SGD steps (thesis: unspecified);
//   learning rate 0.02 (thesis 0.1): at lr 0.1 the lambda = 0 run climbs to
//     ||W1|| + ||W2|| ~ 14-15 and then stalls, the norm and the loss
//     oscillating -- as the weights grow the loss gets sharper along the
//     divergent direction and a fixed step of 0.1 with momentum 0.9 can no
//     longer follow it (seed 3 of a full-batch run at lr 0.1 ended with the
//     loss jumping from 3e-3 to 0.36). At lr 0.02 the growth continues over
//     the whole run; the plateaus for lambda > 0 are the same at both rates;
//   one run per lambda (thesis 10), --seed picks another;
//   loss: mean squared error averaged over batch and outputs (see below).
// Change them with --d, --samples, --batch, --epochs, --lr, --per-decade,
// --seed. Losses and norms are recorded at epoch 0 and at --per-decade (20)
// log-spaced epochs per decade; the program prints, per lambda, the norm and
// train loss at every decade of epochs and fits over the last decade of
// steps [T/10, T]: the norm gained per decade of steps (slope against
// log10 step), the exponent k of norm ~ step^k and that of the train loss.
// Thm 7.3.3 / Ex 7.3.5 predict that at lambda = 0 the norm must diverge as
// the loss tends to its infimum 0; they say nothing about the rate, and what
// is measured (examples/README.md, seeds 1-3) is slow but sustained growth:
// +6.6 to +8.4 per decade of steps over the last decade, norm ~ step^0.17
// there, with the train loss falling like norm^-3.2 to norm^-4.0.
//
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

struct Config {
  std::string out_dir;
  int d = 4;
  int samples = 1000;
  int epochs = 100000;
  int per_decade = 20;  ///< recorded epochs per decade (log-spaced)
  int batch = 100;
  double lr = 0.02;
  double momentum = 0.9;
  unsigned seed = 1;
  std::vector<double> lambdas{0.0, 1e-4, 5e-4, 1e-3};
};

struct Row {
  double lambda;
  int epoch;
  long long step;  ///< SGD steps taken
  double train, test, n1, n2;
};

// (1/P) sum_i ||R(x_i) - y_i||^2 / ||y_i||^2, samples in columns.
double relative_loss(const Mat& W1, const Vec& b1, const Mat& W2, const Vec& b2, const Mat& X, const Mat& Y) {
  const Mat H = ((W1 * X).colwise() + b1).cwiseMax(0.0);
  const Mat R = (W2 * H).colwise() + b2;
  const Vec num = (R - Y).colwise().squaredNorm();
  const Vec den = Y.colwise().squaredNorm();
  double s = 0;
  for (Eigen::Index i = 0; i < num.size(); ++i) s += num(i) / std::max(den(i), 1e-300);
  return s / static_cast<double>(num.size());
}

// Epochs at which losses and norms are recorded: 0, then `per_decade`
// log-spaced epochs per decade, and the last one.
std::vector<int> record_epochs(int epochs, int per_decade) {
  std::vector<int> e{0};
  for (int k = 0;; ++k) {
    const int v = static_cast<int>(std::lround(std::pow(10.0, static_cast<double>(k) / per_decade)));
    if (v >= epochs) break;
    if (v > e.back()) e.push_back(v);
  }
  e.push_back(epochs);
  return e;
}

std::vector<Row> train(const Config& c, double lambda, const Mat& Xtr, const Mat& Ytr, const Mat& Xte, const Mat& Yte) {
  const int d = c.d;
  Mat M1 = Mat::Zero(d, d), M2 = Mat::Zero(d, d);  // I_1 = {i <= j} (upper), I_2 = {j <= i} (lower)
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      if (i <= j) M1(i, j) = 1;
      if (j <= i) M2(i, j) = 1;
    }
  std::mt19937_64 g(c.seed);  // the same initialization for every lambda
  const double a = 1.0 / std::sqrt(static_cast<double>(d));
  std::uniform_real_distribution<double> u(-a, a);
  Mat W1 = Mat::NullaryExpr(d, d, [&] { return u(g); }).cwiseProduct(M1);
  Mat W2 = Mat::NullaryExpr(d, d, [&] { return u(g); }).cwiseProduct(M2);
  Vec b1 = Vec::NullaryExpr(d, [&] { return u(g); });
  Vec b2 = Vec::NullaryExpr(d, [&] { return u(g); });
  Mat V1 = Mat::Zero(d, d), V2 = Mat::Zero(d, d), gW1(d, d), gW2(d, d);
  Vec v1 = Vec::Zero(d), v2 = Vec::Zero(d), gb1(d), gb2(d);
  std::vector<Row> rows;
  const int P = static_cast<int>(Xtr.cols());
  const int steps_per_epoch = (P + c.batch - 1) / c.batch;
  std::vector<int> perm(static_cast<std::size_t>(P));
  for (int i = 0; i < P; ++i) perm[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 shuffle(c.seed + 1000);
  // Work buffers, allocated once: a step on a d x batch block is a few
  // microseconds, so per-step heap traffic would dominate the run time.
  Mat Xb(d, c.batch), Yb(d, c.batch), Z(d, c.batch), H(d, c.batch), R(d, c.batch), GZ(d, c.batch);
  const bool full_batch = c.batch >= P;
  const std::vector<int> rec = record_epochs(c.epochs, c.per_decade);
  std::size_t next = 0;
  for (int epoch = 0; epoch <= c.epochs; ++epoch) {
    if (epoch > 0) {
      if (!full_batch) std::shuffle(perm.begin(), perm.end(), shuffle);
      for (int s = 0; s < P; s += c.batch) {
        const int B = std::min(c.batch, P - s);
        if (Xb.cols() != B) {
          Xb.resize(d, B), Yb.resize(d, B), Z.resize(d, B), H.resize(d, B), R.resize(d, B), GZ.resize(d, B);
        }
        if (full_batch) {
          Xb = Xtr;
          Yb = Ytr;
        } else {
          for (int k = 0; k < B; ++k) {
            Xb.col(k) = Xtr.col(perm[static_cast<std::size_t>(s + k)]);
            Yb.col(k) = Ytr.col(perm[static_cast<std::size_t>(s + k)]);
          }
        }
        Z.noalias() = W1 * Xb;
        Z.colwise() += b1;
        H = Z.cwiseMax(0.0);
        R.noalias() = W2 * H;
        R.colwise() += b2;
        R -= Yb;
        R *= 2.0 / (static_cast<double>(B) * d);  // now G = d(MSE)/dR
        gW2.noalias() = R * H.transpose();
        gW2 = gW2.cwiseProduct(M2) + lambda * W2;
        gb2 = R.rowwise().sum() + lambda * b2;
        GZ.noalias() = W2.transpose() * R;
        GZ = (Z.array() > 0.0).select(GZ, 0.0);
        gW1.noalias() = GZ * Xb.transpose();
        gW1 = gW1.cwiseProduct(M1) + lambda * W1;
        gb1 = GZ.rowwise().sum() + lambda * b1;
        V1 = c.momentum * V1 + gW1;
        V2 = c.momentum * V2 + gW2;
        v1 = c.momentum * v1 + gb1;
        v2 = c.momentum * v2 + gb2;
        W1 -= c.lr * V1;
        W2 -= c.lr * V2;
        b1 -= c.lr * v1;
        b2 -= c.lr * v2;
      }
    }
    if (next < rec.size() && epoch == rec[next]) {
      ++next;
      rows.push_back({lambda, epoch, static_cast<long long>(epoch) * steps_per_epoch,
                      relative_loss(W1, b1, W2, b2, Xtr, Ytr), relative_loss(W1, b1, W2, b2, Xte, Yte), W1.norm(),
                      W2.norm()});
    }
  }
  return rows;
}

// --- summary: checkpoints and growth fits ----------------------------------

// Least-squares slope of ys against xs.
double slope(const std::vector<double>& xs, const std::vector<double>& ys) {
  const double n = static_cast<double>(xs.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) sx += xs[i], sy += ys[i], sxx += xs[i] * xs[i], sxy += xs[i] * ys[i];
  const double den = n * sxx - sx * sx;
  return den > 0 ? (n * sxy - sx * sy) / den : 0.0;
}

struct Fit {
  double per_decade;     ///< slope of ||W1|| + ||W2|| against log10(step): norm gained per decade of steps
  double norm_exponent;  ///< slope of log(norm) against log(step): norm ~ step^k
  double loss_exponent;  ///< slope of log(train loss) against log(step)
  double rel_change;     ///< (norm at the end - norm at the window start) / norm at the window start
  long long from, to;    ///< the window: the last decade of recorded steps
  int points;
};

// Fits over the last decade of steps [T/10, T] (at least the recorded points there).
Fit fit_last_decade(const std::vector<Row>& r) {
  Fit f{};
  const long long T = r.back().step;
  std::vector<double> ls, n, ln, ll;
  const Row* first = nullptr;
  for (const auto& x : r) {
    if (x.step <= 0 || 10 * x.step < T) continue;
    if (!first) first = &x;
    ls.push_back(std::log10(static_cast<double>(x.step)));
    n.push_back(x.n1 + x.n2);
    ln.push_back(std::log10(x.n1 + x.n2));
    ll.push_back(std::log10(std::max(x.train, 1e-300)));
  }
  f.points = static_cast<int>(ls.size());
  if (!first) return f;
  f.from = first->step;
  f.to = T;
  f.per_decade = slope(ls, n);
  f.norm_exponent = slope(ls, ln);
  f.loss_exponent = slope(ls, ll);
  f.rel_change = (r.back().n1 + r.back().n2) / (first->n1 + first->n2) - 1.0;
  return f;
}

// --- the picture: loss (log) and norm against SGD steps (log) ----------------

std::string fmt(double v) {
  std::ostringstream o;
  o << std::setprecision(3) << v;
  return o.str();
}

std::string svg(const std::vector<Row>& rows, const Config& c, long long steps_per_epoch) {
  const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  const double W = 420, H = 280, left = 70, top = 60, gap = 90;
  const long long T = static_cast<long long>(c.epochs) * steps_per_epoch;
  const double xlo = 0.0, xhi = std::log10(static_cast<double>(std::max<long long>(T, 10)));
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + 2 * W + gap + 30 << "\" height=\""
    << top + H + 110 << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left << "\" y=\"20\" font-size=\"14\">LU-mask one-hidden-layer ReLU net fitting y = A x (A anti-diagonal), "
       "thesis Fig 7.1 / Ex 7.3.5</text>\n";
  o << "<text x=\"" << left << "\" y=\"38\">d = " << c.d << ", " << c.samples << " train + " << c.samples
    << " test samples, batch " << c.batch << ", lr " << c.lr << ", momentum " << c.momentum << ", " << c.epochs
    << " epochs = " << T << " steps, seed " << c.seed << " (thesis: d = 100, 10^5 samples, batch 3000)</text>\n";
  for (int p = 0; p < 2; ++p) {
    const bool logy = p == 0;
    auto value = [&](const Row& r) { return p == 0 ? std::log10(std::max(r.train, 1e-300)) : r.n1 + r.n2; };
    double lo = 1e300, hi = -1e300;
    for (const auto& r : rows) lo = std::min(lo, value(r)), hi = std::max(hi, value(r));
    if (logy) lo = std::floor(lo), hi = std::ceil(hi);
    else lo = 0.0, hi = 5.0 * std::ceil(hi / 5.0);  // ticks at multiples of hi / 5
    if (hi <= lo) hi = lo + 1;
    const double x0 = left + p * (W + gap), y0 = top;
    auto X = [&](double lx) { return x0 + W * (lx - xlo) / (xhi - xlo); };
    auto Y = [&](double v) { return y0 + H - H * (v - lo) / (hi - lo); };
    o << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\"" << W << "\" height=\"" << H
      << "\" fill=\"none\" stroke=\"#444\"/>\n";
    // x ticks: decades of steps (step 0 is drawn at 10^0).
    for (int k = 0; k <= static_cast<int>(std::floor(xhi)); ++k)
      o << "<line x1=\"" << X(k) << "\" y1=\"" << y0 + H << "\" x2=\"" << X(k) << "\" y2=\"" << y0 + H + 5
        << "\" stroke=\"#444\"/><text x=\"" << X(k) << "\" y=\"" << y0 + H + 18 << "\" text-anchor=\"middle\">10^" << k
        << "</text>\n";
    o << "<text x=\"" << x0 + W / 2 << "\" y=\"" << y0 + H + 38 << "\" text-anchor=\"middle\">SGD step (log scale; step 0 drawn at 1)</text>\n";
    // y ticks: decades for the loss, 5 even steps for the norm.
    const int ny = logy ? static_cast<int>(hi - lo) : 5;
    for (int k = 0; k <= ny; ++k) {
      const double v = lo + (hi - lo) * k / ny;
      o << "<line x1=\"" << x0 - 5 << "\" y1=\"" << Y(v) << "\" x2=\"" << x0 << "\" y2=\"" << Y(v)
        << "\" stroke=\"#444\"/><text x=\"" << x0 - 8 << "\" y=\"" << Y(v) + 4 << "\" text-anchor=\"end\">"
        << (logy ? "10^" + fmt(v) : fmt(v)) << "</text>\n";
    }
    const double yl = y0 + H / 2;
    o << "<text transform=\"translate(" << x0 - 50 << "," << yl << ") rotate(-90)\" text-anchor=\"middle\">"
      << (p == 0 ? "relative train loss (log scale)" : "||W1||_F + ||W2||_F") << "</text>\n";
    for (std::size_t k = 0; k < c.lambdas.size(); ++k) {
      o << "<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"" << colors[k % 6] << "\" points=\"";
      for (const auto& r : rows)
        if (r.lambda == c.lambdas[k])
          o << X(std::log10(static_cast<double>(std::max<long long>(r.step, 1)))) << "," << Y(value(r)) << " ";
      o << "\"/>\n";
    }
  }
  // Legend.
  for (std::size_t k = 0; k < c.lambdas.size(); ++k) {
    const double x = left + 150 * static_cast<double>(k), y = top + H + 70;
    o << "<line x1=\"" << x << "\" y1=\"" << y - 4 << "\" x2=\"" << x + 25 << "\" y2=\"" << y - 4 << "\" stroke=\""
      << colors[k % 6] << "\" stroke-width=\"2.5\"/><text x=\"" << x + 30 << "\" y=\"" << y << "\">weight decay lambda = "
      << c.lambdas[k] << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  auto usage = [] {
    std::cerr << "usage: relu_lu_experiment OUT_DIR [--d N] [--samples P] [--batch B] [--epochs E] [--lr LR]\n"
                 "                          [--per-decade K] [--seed S]\n";
    return 2;
  };
  if (argc < 2) return usage();
  c.out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    try {
      if (a == "--d") c.d = std::stoi(v);
      else if (a == "--samples") c.samples = std::stoi(v);
      else if (a == "--batch") c.batch = std::stoi(v);
      else if (a == "--epochs") c.epochs = std::stoi(v);
      else if (a == "--lr") c.lr = std::stod(v);
      else if (a == "--seed") c.seed = static_cast<unsigned>(std::stoul(v));
      else if (a == "--per-decade") c.per_decade = std::stoi(v);
      else return usage();
    } catch (const std::exception&) {
      std::cerr << "relu_lu_experiment: bad value '" << v << "' for " << a << "\n";
      return 2;
    }
  }
  if (c.d < 2 || c.samples < 1 || c.batch < 1 || c.epochs < 10 || c.per_decade < 1 || !(c.lr > 0)) {
    std::cerr << "relu_lu_experiment: need d >= 2, samples >= 1, batch >= 1, epochs >= 10, per-decade >= 1, lr > 0\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(c.out_dir, ec);
  if (ec) {
    std::cerr << "relu_lu_experiment: cannot create " << c.out_dir << ": " << ec.message() << "\n";
    return 2;
  }
  // One thread: the matrices are small, and Eigen's OpenMP threads only
  // contend on a loaded machine.
  Eigen::setNbThreads(1);
  const auto t0 = std::chrono::steady_clock::now();
  const long long steps_per_epoch = (c.samples + c.batch - 1) / c.batch;
  std::printf("LU net, d = %d, %d train + %d test samples, batch %d (%lld steps/epoch), lr %g, momentum %g, %d epochs "
              "(%lld steps), seed %u, one run per lambda\n"
              "(thesis Fig 7.1: d = 100, 10^5 + 10^5 samples, batch 3000, lr 0.1, momentum 0.9, 10 runs, epochs "
              "unspecified; loss here: MSE averaged over batch and outputs; lr 0.02 because at 0.1 the lambda = 0 "
              "norm stalls near 15 -- see the header comment)\n",
              c.d, c.samples, c.samples, c.batch, steps_per_epoch, c.lr, c.momentum, c.epochs,
              steps_per_epoch * c.epochs, c.seed);
  Mat A = Mat::Zero(c.d, c.d);  // anti-diagonal identity: in cl(L_I) \ L_I (no LU, Thm 3.1.8)
  for (int i = 0; i < c.d; ++i) A(i, c.d - 1 - i) = 1;
  std::mt19937_64 g(c.seed + 7);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const Mat Xtr = Mat::NullaryExpr(c.d, c.samples, [&] { return u(g); });
  const Mat Xte = Mat::NullaryExpr(c.d, c.samples, [&] { return u(g); });
  const Mat Ytr = A * Xtr, Yte = A * Xte;
  std::vector<Row> rows;
  for (double lambda : c.lambdas) {
    const auto r = train(c, lambda, Xtr, Ytr, Xte, Yte);
    std::printf("\nlambda = %g\n  %10s %10s %12s %12s\n", lambda, "epoch", "step", "norm sum", "train loss");
    for (const auto& x : r) {  // checkpoints: every decade of epochs and the last epoch
      const double l = std::log10(std::max(x.epoch, 1));
      if (x.epoch == 0 || x.epoch == c.epochs || std::abs(l - std::round(l)) < 1e-9)
        std::printf("  %10d %10lld %12.4f %12.4e\n", x.epoch, x.step, x.n1 + x.n2, x.train);
    }
    const Fit f = fit_last_decade(r);
    std::printf("  last decade of steps [%lld, %lld] (%d records): norm %+.3f per decade of steps (%+.1f%% over it), "
                "norm ~ step^%.4f, train loss ~ step^%.4f; test loss at the end %.4e\n",
                f.from, f.to, f.points, f.per_decade, 100.0 * f.rel_change, f.norm_exponent, f.loss_exponent,
                r.back().test);
    // How the loss trades against the norm over that decade: loss ~ norm^-q.
    // (For the 2 x 2 LU corner, an error of size e in the product costs
    // weights of size 1/e, so the squared error scales like norm^-4; gradient
    // flow on L ~ n^-q then gives n ~ t^(1/(q+2)) -- a heuristic, not a theorem.)
    if (f.norm_exponent > 0.01)
      std::printf("  over that decade: train loss ~ norm^%.2f\n", f.loss_exponent / f.norm_exponent);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  const std::string csv = (std::filesystem::path(c.out_dir) / "curves.csv").string();
  std::ofstream f(csv);
  f << "lambda,epoch,step,train_relative_loss,test_relative_loss,norm_W1,norm_W2,norm_sum\n";
  f.precision(10);
  for (const auto& r : rows)
    f << r.lambda << "," << r.epoch << "," << r.step << "," << r.train << "," << r.test << "," << r.n1 << "," << r.n2
      << "," << r.n1 + r.n2 << "\n";
  f.close();
  const std::string pic = (std::filesystem::path(c.out_dir) / "curves.svg").string();
  std::ofstream sv(pic);
  sv << svg(rows, c, steps_per_epoch);
  sv.close();
  if (!f || !sv) {
    std::cerr << "relu_lu_experiment: could not write " << csv << " or " << pic << "\n";
    return 1;
  }
  std::printf("\nwrote %s and %s in %.1f s\n", csv.c_str(), pic.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return 0;
}
