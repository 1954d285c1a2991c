// HCOPD-like data made here (the real Exasens set is not shipped): 239 rows
// of Diagnosis (0 healthy, 1 COPD), Gender, Age, Smoking, with a diagnosis
// that depends on the features so that a model can learn it.

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hcopdRows(count = 239, seed = 7) {
  const rnd = random(seed);
  const rows = [];
  for (let i = 0; i < count; i++) {
    const gender = rnd() < 0.5 ? 0 : 1;
    const age = Math.round(20 + rnd() * 60);
    const smoking = Math.floor(rnd() * 3);
    const risk = (age - 45) / 15 + smoking - 1 + (rnd() - 0.5);
    rows.push({
      Diagnosis: risk > 0 ? 1 : 0,
      Gender: gender,
      Age: age,
      Smoking: smoking,
    });
  }
  return rows;
}

export function hcopdCsv(rows = hcopdRows()) {
  return (
    [
      "Diagnosis,Gender,Age,Smoking",
      ...rows.map((r) => `${r.Diagnosis},${r.Gender},${r.Age},${r.Smoking}`),
    ].join("\n") + "\n"
  );
}
