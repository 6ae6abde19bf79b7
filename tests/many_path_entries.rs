//! 120 path entries compile under rustc's default `recursion_limit` (128):
//! one level of macro expansion per entry. Generated like
//! `benches/compile_time/run.sh`'s crates (node i takes nodes i-1 and i/2).

use hypernodes::prelude::*;

#[node]
fn n0(x: u64) -> u64 {
    x + 1
}
#[node]
fn n1(n0: u64) -> u64 {
    n0.wrapping_mul(3)
}
#[node]
fn n2(n1: u64) -> u64 {
    n1.wrapping_mul(3)
}
#[node]
fn n3(n2: u64, n1: u64) -> u64 {
    n2.wrapping_mul(3) ^ n1
}
#[node]
fn n4(n3: u64, n2: u64) -> u64 {
    n3.wrapping_mul(3) ^ n2
}
#[node]
fn n5(n4: u64, n2: u64) -> u64 {
    n4.wrapping_mul(3) ^ n2
}
#[node]
fn n6(n5: u64, n3: u64) -> u64 {
    n5.wrapping_mul(3) ^ n3
}
#[node]
fn n7(n6: u64, n3: u64) -> u64 {
    n6.wrapping_mul(3) ^ n3
}
#[node]
fn n8(n7: u64, n4: u64) -> u64 {
    n7.wrapping_mul(3) ^ n4
}
#[node]
fn n9(n8: u64, n4: u64) -> u64 {
    n8.wrapping_mul(3) ^ n4
}
#[node]
fn n10(n9: u64, n5: u64) -> u64 {
    n9.wrapping_mul(3) ^ n5
}
#[node]
fn n11(n10: u64, n5: u64) -> u64 {
    n10.wrapping_mul(3) ^ n5
}
#[node]
fn n12(n11: u64, n6: u64) -> u64 {
    n11.wrapping_mul(3) ^ n6
}
#[node]
fn n13(n12: u64, n6: u64) -> u64 {
    n12.wrapping_mul(3) ^ n6
}
#[node]
fn n14(n13: u64, n7: u64) -> u64 {
    n13.wrapping_mul(3) ^ n7
}
#[node]
fn n15(n14: u64, n7: u64) -> u64 {
    n14.wrapping_mul(3) ^ n7
}
#[node]
fn n16(n15: u64, n8: u64) -> u64 {
    n15.wrapping_mul(3) ^ n8
}
#[node]
fn n17(n16: u64, n8: u64) -> u64 {
    n16.wrapping_mul(3) ^ n8
}
#[node]
fn n18(n17: u64, n9: u64) -> u64 {
    n17.wrapping_mul(3) ^ n9
}
#[node]
fn n19(n18: u64, n9: u64) -> u64 {
    n18.wrapping_mul(3) ^ n9
}
#[node]
fn n20(n19: u64, n10: u64) -> u64 {
    n19.wrapping_mul(3) ^ n10
}
#[node]
fn n21(n20: u64, n10: u64) -> u64 {
    n20.wrapping_mul(3) ^ n10
}
#[node]
fn n22(n21: u64, n11: u64) -> u64 {
    n21.wrapping_mul(3) ^ n11
}
#[node]
fn n23(n22: u64, n11: u64) -> u64 {
    n22.wrapping_mul(3) ^ n11
}
#[node]
fn n24(n23: u64, n12: u64) -> u64 {
    n23.wrapping_mul(3) ^ n12
}
#[node]
fn n25(n24: u64, n12: u64) -> u64 {
    n24.wrapping_mul(3) ^ n12
}
#[node]
fn n26(n25: u64, n13: u64) -> u64 {
    n25.wrapping_mul(3) ^ n13
}
#[node]
fn n27(n26: u64, n13: u64) -> u64 {
    n26.wrapping_mul(3) ^ n13
}
#[node]
fn n28(n27: u64, n14: u64) -> u64 {
    n27.wrapping_mul(3) ^ n14
}
#[node]
fn n29(n28: u64, n14: u64) -> u64 {
    n28.wrapping_mul(3) ^ n14
}
#[node]
fn n30(n29: u64, n15: u64) -> u64 {
    n29.wrapping_mul(3) ^ n15
}
#[node]
fn n31(n30: u64, n15: u64) -> u64 {
    n30.wrapping_mul(3) ^ n15
}
#[node]
fn n32(n31: u64, n16: u64) -> u64 {
    n31.wrapping_mul(3) ^ n16
}
#[node]
fn n33(n32: u64, n16: u64) -> u64 {
    n32.wrapping_mul(3) ^ n16
}
#[node]
fn n34(n33: u64, n17: u64) -> u64 {
    n33.wrapping_mul(3) ^ n17
}
#[node]
fn n35(n34: u64, n17: u64) -> u64 {
    n34.wrapping_mul(3) ^ n17
}
#[node]
fn n36(n35: u64, n18: u64) -> u64 {
    n35.wrapping_mul(3) ^ n18
}
#[node]
fn n37(n36: u64, n18: u64) -> u64 {
    n36.wrapping_mul(3) ^ n18
}
#[node]
fn n38(n37: u64, n19: u64) -> u64 {
    n37.wrapping_mul(3) ^ n19
}
#[node]
fn n39(n38: u64, n19: u64) -> u64 {
    n38.wrapping_mul(3) ^ n19
}
#[node]
fn n40(n39: u64, n20: u64) -> u64 {
    n39.wrapping_mul(3) ^ n20
}
#[node]
fn n41(n40: u64, n20: u64) -> u64 {
    n40.wrapping_mul(3) ^ n20
}
#[node]
fn n42(n41: u64, n21: u64) -> u64 {
    n41.wrapping_mul(3) ^ n21
}
#[node]
fn n43(n42: u64, n21: u64) -> u64 {
    n42.wrapping_mul(3) ^ n21
}
#[node]
fn n44(n43: u64, n22: u64) -> u64 {
    n43.wrapping_mul(3) ^ n22
}
#[node]
fn n45(n44: u64, n22: u64) -> u64 {
    n44.wrapping_mul(3) ^ n22
}
#[node]
fn n46(n45: u64, n23: u64) -> u64 {
    n45.wrapping_mul(3) ^ n23
}
#[node]
fn n47(n46: u64, n23: u64) -> u64 {
    n46.wrapping_mul(3) ^ n23
}
#[node]
fn n48(n47: u64, n24: u64) -> u64 {
    n47.wrapping_mul(3) ^ n24
}
#[node]
fn n49(n48: u64, n24: u64) -> u64 {
    n48.wrapping_mul(3) ^ n24
}
#[node]
fn n50(n49: u64, n25: u64) -> u64 {
    n49.wrapping_mul(3) ^ n25
}
#[node]
fn n51(n50: u64, n25: u64) -> u64 {
    n50.wrapping_mul(3) ^ n25
}
#[node]
fn n52(n51: u64, n26: u64) -> u64 {
    n51.wrapping_mul(3) ^ n26
}
#[node]
fn n53(n52: u64, n26: u64) -> u64 {
    n52.wrapping_mul(3) ^ n26
}
#[node]
fn n54(n53: u64, n27: u64) -> u64 {
    n53.wrapping_mul(3) ^ n27
}
#[node]
fn n55(n54: u64, n27: u64) -> u64 {
    n54.wrapping_mul(3) ^ n27
}
#[node]
fn n56(n55: u64, n28: u64) -> u64 {
    n55.wrapping_mul(3) ^ n28
}
#[node]
fn n57(n56: u64, n28: u64) -> u64 {
    n56.wrapping_mul(3) ^ n28
}
#[node]
fn n58(n57: u64, n29: u64) -> u64 {
    n57.wrapping_mul(3) ^ n29
}
#[node]
fn n59(n58: u64, n29: u64) -> u64 {
    n58.wrapping_mul(3) ^ n29
}
#[node]
fn n60(n59: u64, n30: u64) -> u64 {
    n59.wrapping_mul(3) ^ n30
}
#[node]
fn n61(n60: u64, n30: u64) -> u64 {
    n60.wrapping_mul(3) ^ n30
}
#[node]
fn n62(n61: u64, n31: u64) -> u64 {
    n61.wrapping_mul(3) ^ n31
}
#[node]
fn n63(n62: u64, n31: u64) -> u64 {
    n62.wrapping_mul(3) ^ n31
}
#[node]
fn n64(n63: u64, n32: u64) -> u64 {
    n63.wrapping_mul(3) ^ n32
}
#[node]
fn n65(n64: u64, n32: u64) -> u64 {
    n64.wrapping_mul(3) ^ n32
}
#[node]
fn n66(n65: u64, n33: u64) -> u64 {
    n65.wrapping_mul(3) ^ n33
}
#[node]
fn n67(n66: u64, n33: u64) -> u64 {
    n66.wrapping_mul(3) ^ n33
}
#[node]
fn n68(n67: u64, n34: u64) -> u64 {
    n67.wrapping_mul(3) ^ n34
}
#[node]
fn n69(n68: u64, n34: u64) -> u64 {
    n68.wrapping_mul(3) ^ n34
}
#[node]
fn n70(n69: u64, n35: u64) -> u64 {
    n69.wrapping_mul(3) ^ n35
}
#[node]
fn n71(n70: u64, n35: u64) -> u64 {
    n70.wrapping_mul(3) ^ n35
}
#[node]
fn n72(n71: u64, n36: u64) -> u64 {
    n71.wrapping_mul(3) ^ n36
}
#[node]
fn n73(n72: u64, n36: u64) -> u64 {
    n72.wrapping_mul(3) ^ n36
}
#[node]
fn n74(n73: u64, n37: u64) -> u64 {
    n73.wrapping_mul(3) ^ n37
}
#[node]
fn n75(n74: u64, n37: u64) -> u64 {
    n74.wrapping_mul(3) ^ n37
}
#[node]
fn n76(n75: u64, n38: u64) -> u64 {
    n75.wrapping_mul(3) ^ n38
}
#[node]
fn n77(n76: u64, n38: u64) -> u64 {
    n76.wrapping_mul(3) ^ n38
}
#[node]
fn n78(n77: u64, n39: u64) -> u64 {
    n77.wrapping_mul(3) ^ n39
}
#[node]
fn n79(n78: u64, n39: u64) -> u64 {
    n78.wrapping_mul(3) ^ n39
}
#[node]
fn n80(n79: u64, n40: u64) -> u64 {
    n79.wrapping_mul(3) ^ n40
}
#[node]
fn n81(n80: u64, n40: u64) -> u64 {
    n80.wrapping_mul(3) ^ n40
}
#[node]
fn n82(n81: u64, n41: u64) -> u64 {
    n81.wrapping_mul(3) ^ n41
}
#[node]
fn n83(n82: u64, n41: u64) -> u64 {
    n82.wrapping_mul(3) ^ n41
}
#[node]
fn n84(n83: u64, n42: u64) -> u64 {
    n83.wrapping_mul(3) ^ n42
}
#[node]
fn n85(n84: u64, n42: u64) -> u64 {
    n84.wrapping_mul(3) ^ n42
}
#[node]
fn n86(n85: u64, n43: u64) -> u64 {
    n85.wrapping_mul(3) ^ n43
}
#[node]
fn n87(n86: u64, n43: u64) -> u64 {
    n86.wrapping_mul(3) ^ n43
}
#[node]
fn n88(n87: u64, n44: u64) -> u64 {
    n87.wrapping_mul(3) ^ n44
}
#[node]
fn n89(n88: u64, n44: u64) -> u64 {
    n88.wrapping_mul(3) ^ n44
}
#[node]
fn n90(n89: u64, n45: u64) -> u64 {
    n89.wrapping_mul(3) ^ n45
}
#[node]
fn n91(n90: u64, n45: u64) -> u64 {
    n90.wrapping_mul(3) ^ n45
}
#[node]
fn n92(n91: u64, n46: u64) -> u64 {
    n91.wrapping_mul(3) ^ n46
}
#[node]
fn n93(n92: u64, n46: u64) -> u64 {
    n92.wrapping_mul(3) ^ n46
}
#[node]
fn n94(n93: u64, n47: u64) -> u64 {
    n93.wrapping_mul(3) ^ n47
}
#[node]
fn n95(n94: u64, n47: u64) -> u64 {
    n94.wrapping_mul(3) ^ n47
}
#[node]
fn n96(n95: u64, n48: u64) -> u64 {
    n95.wrapping_mul(3) ^ n48
}
#[node]
fn n97(n96: u64, n48: u64) -> u64 {
    n96.wrapping_mul(3) ^ n48
}
#[node]
fn n98(n97: u64, n49: u64) -> u64 {
    n97.wrapping_mul(3) ^ n49
}
#[node]
fn n99(n98: u64, n49: u64) -> u64 {
    n98.wrapping_mul(3) ^ n49
}
#[node]
fn n100(n99: u64, n50: u64) -> u64 {
    n99.wrapping_mul(3) ^ n50
}
#[node]
fn n101(n100: u64, n50: u64) -> u64 {
    n100.wrapping_mul(3) ^ n50
}
#[node]
fn n102(n101: u64, n51: u64) -> u64 {
    n101.wrapping_mul(3) ^ n51
}
#[node]
fn n103(n102: u64, n51: u64) -> u64 {
    n102.wrapping_mul(3) ^ n51
}
#[node]
fn n104(n103: u64, n52: u64) -> u64 {
    n103.wrapping_mul(3) ^ n52
}
#[node]
fn n105(n104: u64, n52: u64) -> u64 {
    n104.wrapping_mul(3) ^ n52
}
#[node]
fn n106(n105: u64, n53: u64) -> u64 {
    n105.wrapping_mul(3) ^ n53
}
#[node]
fn n107(n106: u64, n53: u64) -> u64 {
    n106.wrapping_mul(3) ^ n53
}
#[node]
fn n108(n107: u64, n54: u64) -> u64 {
    n107.wrapping_mul(3) ^ n54
}
#[node]
fn n109(n108: u64, n54: u64) -> u64 {
    n108.wrapping_mul(3) ^ n54
}
#[node]
fn n110(n109: u64, n55: u64) -> u64 {
    n109.wrapping_mul(3) ^ n55
}
#[node]
fn n111(n110: u64, n55: u64) -> u64 {
    n110.wrapping_mul(3) ^ n55
}
#[node]
fn n112(n111: u64, n56: u64) -> u64 {
    n111.wrapping_mul(3) ^ n56
}
#[node]
fn n113(n112: u64, n56: u64) -> u64 {
    n112.wrapping_mul(3) ^ n56
}
#[node]
fn n114(n113: u64, n57: u64) -> u64 {
    n113.wrapping_mul(3) ^ n57
}
#[node]
fn n115(n114: u64, n57: u64) -> u64 {
    n114.wrapping_mul(3) ^ n57
}
#[node]
fn n116(n115: u64, n58: u64) -> u64 {
    n115.wrapping_mul(3) ^ n58
}
#[node]
fn n117(n116: u64, n58: u64) -> u64 {
    n116.wrapping_mul(3) ^ n58
}
#[node]
fn n118(n117: u64, n59: u64) -> u64 {
    n117.wrapping_mul(3) ^ n59
}
#[node]
fn n119(n118: u64, n59: u64) -> u64 {
    n118.wrapping_mul(3) ^ n59
}

pipeline! {
    #[outputs(n119)]
    struct Big {
        n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15, n16, n17, n18,
        n19, n20, n21, n22, n23, n24, n25, n26, n27, n28, n29, n30, n31, n32, n33, n34, n35,
        n36, n37, n38, n39, n40, n41, n42, n43, n44, n45, n46, n47, n48, n49, n50, n51, n52,
        n53, n54, n55, n56, n57, n58, n59, n60, n61, n62, n63, n64, n65, n66, n67, n68, n69,
        n70, n71, n72, n73, n74, n75, n76, n77, n78, n79, n80, n81, n82, n83, n84, n85, n86,
        n87, n88, n89, n90, n91, n92, n93, n94, n95, n96, n97, n98, n99, n100, n101, n102, n103,
        n104, n105, n106, n107, n108, n109, n110, n111, n112, n113, n114, n115, n116, n117,
        n118, n119,
    }
}

/// The same calls by hand.
fn by_hand(x: u64) -> u64 {
    let mut values = vec![n0(x)];
    for i in 1..120 {
        let (a, b) = (values[i - 1], values[i / 2]);
        values.push(if i - 1 == i / 2 {
            a.wrapping_mul(3)
        } else {
            a.wrapping_mul(3) ^ b
        });
    }
    values[119]
}

#[test]
fn a_pipeline_of_120_path_entries_runs() {
    assert_eq!(Big.run(BigInputs { x: 7 }).unwrap().n119, by_hand(7));
    assert_eq!(Big::NODES.len(), 120);
}
