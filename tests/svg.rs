//! `hypernodes::viz::svg` (feature `svg`): the picture is well-formed XML,
//! names everything the pipeline has, and its shapes do not overlap, with
//! each nested pipeline's rectangle around its nodes and only them.

use hypernodes::prelude::*;
use hypernodes::viz::svg;
use std::collections::BTreeSet;

mod fixtures;
use fixtures::corpus::Corpus;

pipeline! {
    /// Two values from one node to another, raw identifiers.
    struct Flat {
        #[node(output = (sum, count))]
        fn totals(xs: &[f64]) -> (f64, usize) { (xs.iter().sum(), xs.len()) }
        fn mean(sum: f64, count: usize, r#type: f64) -> f64 { r#type * sum / count as f64 }
        #[node(output = r#fn)]
        fn r#match(mean: f64) -> f64 { mean }
    }
}

pipeline! {
    struct Clean {
        fn cleaned(text: &str) -> String { text.to_lowercase() }
        fn words(cleaned: &str) -> usize { cleaned.split_whitespace().count() }
    }
}

pipeline! {
    struct Analyze {
        #[nested(outputs(words = word_count))]
        Clean,
        fn shouted(word_count: usize) -> usize { word_count * 2 }
    }
}

pipeline! {
    /// Three levels: a flattened pipeline inside a mapped one.
    struct Shouts {
        #[nested(map_over = text, inputs(texts = text), outputs(shouted = shouts))]
        Analyze,
        fn total(shouts: &[usize]) -> usize { shouts.iter().sum() }
    }
}

/// A rectangle: left, top, right, bottom.
#[derive(Clone, Copy, Debug)]
struct Rect(f64, f64, f64, f64);

impl Rect {
    fn contains(&self, other: &Rect) -> bool {
        self.0 <= other.0 && self.1 <= other.1 && other.2 <= self.2 && other.3 <= self.3
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.0 < other.2 && other.0 < self.2 && self.1 < other.3 && other.1 < self.3
    }
}

/// A drawn shape: an input, a node, an output or a cluster.
#[derive(Debug)]
struct Shape {
    class: String,
    /// Its name, or a node's path.
    key: String,
    /// The cluster a node is drawn in.
    cluster: Option<String>,
    rect: Rect,
}

/// What a test reads from the SVG.
#[derive(Debug)]
struct Drawing {
    shapes: Vec<Shape>,
    /// Every text and line of text.
    texts: BTreeSet<String>,
    /// The values the edges carry.
    values: Vec<String>,
    view_box: Rect,
}

impl Drawing {
    fn shapes(&self, class: &str) -> impl Iterator<Item = &Shape> {
        let class = class.to_owned();
        self.shapes.iter().filter(move |shape| shape.class == class)
    }

    fn keys(&self, class: &str) -> BTreeSet<&str> {
        self.shapes(class).map(|shape| shape.key.as_str()).collect()
    }
}

fn number(node: roxmltree::Node, name: &str) -> f64 {
    let value = node.attribute(name).unwrap_or_else(|| panic!("no {name}"));
    value.parse().unwrap_or_else(|_| panic!("{name}={value:?}"))
}

/// The rectangle of a `<rect>`, or around an `<ellipse>`.
fn bounds(node: roxmltree::Node) -> Rect {
    if node.has_tag_name("rect") {
        let (x, y) = (number(node, "x"), number(node, "y"));
        Rect(x, y, x + number(node, "width"), y + number(node, "height"))
    } else {
        let (cx, cy) = (number(node, "cx"), number(node, "cy"));
        let (rx, ry) = (number(node, "rx"), number(node, "ry"));
        Rect(cx - rx, cy - ry, cx + rx, cy + ry)
    }
}

/// Parses the SVG and checks what holds for every picture: it is within
/// its view box, no two shapes overlap, each node of a cluster is inside
/// its rectangle and every other shape outside.
fn drawing(svg: &str) -> Drawing {
    let document = roxmltree::Document::parse(svg).unwrap_or_else(|error| panic!("{error}"));
    let root = document.root_element();
    assert!(root.has_tag_name(("http://www.w3.org/2000/svg", "svg")));
    let view: Vec<f64> = (root.attribute("viewBox").unwrap().split(' '))
        .map(|number| number.parse().unwrap())
        .collect();
    let view_box = Rect(view[0], view[1], view[0] + view[2], view[1] + view[3]);
    let mut shapes = Vec::new();
    let mut values = Vec::new();
    for group in root.children().filter(|node| node.has_tag_name("g")) {
        let class = group.attribute("class").unwrap().to_owned();
        if class == "edge" {
            values.extend(group.attribute("data-value").map(str::to_owned));
            continue;
        }
        let key = ["data-name", "data-path"]
            .into_iter()
            .find_map(|attribute| group.attribute(attribute))
            .unwrap_or_else(|| panic!("a {class} without a name"));
        let outline = (group.children())
            .find(|node| node.has_tag_name("rect") || node.has_tag_name("ellipse"))
            .unwrap();
        shapes.push(Shape {
            class,
            key: key.to_owned(),
            cluster: group.attribute("data-cluster").map(str::to_owned),
            rect: bounds(outline),
        });
    }
    // A text's lines are its `<tspan>`s, if it has any.
    let texts = (document.descendants())
        .filter(|node| node.has_tag_name("text") || node.has_tag_name("tspan"))
        .filter(|node| !node.children().any(|child| child.has_tag_name("tspan")))
        .map(|node| node.text().unwrap_or_default().to_owned())
        .collect();
    let drawing = Drawing {
        shapes,
        texts,
        values,
        view_box,
    };
    let boxes: Vec<&Shape> = (drawing.shapes.iter())
        .filter(|shape| shape.class != "cluster")
        .collect();
    for (index, shape) in drawing.shapes.iter().enumerate() {
        assert!(
            drawing.view_box.contains(&shape.rect),
            "{shape:?} sticks out"
        );
        for other in &boxes[..] {
            let (a, b) = (&shape.rect, &other.rect);
            if shape.class == "cluster" {
                let member = other.cluster.as_deref() == Some(&shape.key);
                assert_eq!(a.contains(b), member, "{other:?} and cluster {shape:?}");
                assert!(member || !a.overlaps(b), "{other:?} in cluster {shape:?}");
            } else if std::ptr::eq(shape, *other) {
                continue;
            } else {
                assert!(!a.overlaps(b), "{shape:?} overlaps {other:?}");
            }
        }
        for other in &drawing.shapes[index + 1..] {
            if shape.class == "cluster" && other.class == "cluster" {
                assert!(!shape.rect.overlaps(&other.rect), "{shape:?} {other:?}");
            }
        }
    }
    drawing
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// Every name is written somewhere in the picture.
fn assert_shows(drawing: &Drawing, names: &[&str]) {
    for name in names {
        assert!(
            drawing.texts.contains(*name),
            "{name:?} missing from {:?}",
            drawing.texts
        );
    }
}

#[test]
fn a_flat_pipeline_shows_inputs_nodes_edges_and_outputs() {
    let svg = svg::<Flat>();
    let drawing = drawing(&svg);
    assert_eq!(drawing.keys("input"), set(&["xs", "type"]));
    assert_eq!(drawing.keys("node"), set(&["totals", "mean", "match"]));
    assert_eq!(drawing.keys("output"), set(&["sum", "count", "mean", "fn"]));
    assert!(drawing.shapes("cluster").next().is_none());
    // One edge per consumed value, both values from `totals` to `mean`.
    let mut values = drawing.values.clone();
    values.sort();
    assert_eq!(values, ["count", "mean", "sum", "type", "xs"]);
    assert_shows(
        &drawing,
        &[
            "xs",
            "type",
            "totals",
            "→ sum, count",
            "mean",
            "match",
            "→ fn",
            "sum",
            "count",
            "fn",
        ],
    );
    assert!(!svg.contains("r#"), "{svg}");
    assert!(svg.contains("<title>Flat</title>"), "{svg}");
}

#[test]
fn nested_pipelines_are_titled_rectangles_around_their_nodes() {
    let drawing = drawing(&svg::<Corpus>());
    let clusters: Vec<(&str, Option<&String>)> = (drawing.shapes("cluster"))
        .map(|cluster| (cluster.key.as_str(), cluster.cluster.as_ref()))
        .collect();
    assert_eq!(clusters, [("first", None), ("text_stats", None)]);
    let members = |cluster: &str| -> BTreeSet<&str> {
        (drawing.shapes("node"))
            .filter(|node| node.cluster.as_deref() == Some(cluster))
            .map(|node| node.key.as_str())
            .collect()
    };
    assert_eq!(members("first"), set(&["first / tokens", "first / count"]));
    assert_eq!(
        members("text_stats"),
        set(&["text_stats", "text_stats / tokens", "text_stats / count"])
    );
    assert_shows(
        &drawing,
        &[
            "first",
            "text_stats (mapped over text)",
            "text_stats",
            "map over text",
            "tokens",
            "count",
            "total",
            "text",
            "texts",
            "counts",
        ],
    );
    let mut values = drawing.values.clone();
    values.sort();
    values.dedup();
    assert_eq!(values, ["count", "counts", "text", "texts", "tokens"]);
}

#[test]
fn a_mapped_pipeline_with_a_nested_one_is_one_cluster() {
    let drawing = drawing(&svg::<Shouts>());
    assert_eq!(drawing.keys("cluster"), set(&["analyze"]));
    let inside: BTreeSet<&str> = (drawing.shapes("node"))
        .filter(|node| node.cluster.is_some())
        .map(|node| node.key.as_str())
        .collect();
    assert_eq!(
        inside,
        set(&[
            "analyze",
            "analyze / clean / cleaned",
            "analyze / clean / words",
            "analyze / shouted",
        ])
    );
    assert_shows(
        &drawing,
        &[
            "analyze (mapped over text)",
            "map over text",
            "cleaned",
            "words",
            "shouted",
            "total",
            "texts",
            "shouts",
        ],
    );
}

#[test]
fn the_picture_is_the_same_every_time() {
    assert_eq!(svg::<Corpus>(), svg::<Corpus>());
}

pipeline! {
    struct Lone {
        fn answer() -> u32 { 42 }
    }
}

pipeline! {
    struct Pair {
        fn pair(a: &u32, b: &char) -> String { format!("{a}{b}") }
    }
}

pipeline! {
    /// A cluster of one small box, narrower than its title.
    struct Zipped {
        #[nested(map_over = (a, b), inputs(as_ = a, bs = b), outputs(pair = pairs))]
        Pair,
    }
}

#[test]
fn small_pictures_hold_together() {
    let lone = drawing(&svg::<Lone>());
    assert_eq!(lone.keys("node"), set(&["answer"]));
    assert!(lone.keys("input").is_empty());
    let zipped = drawing(&svg::<Zipped>());
    assert_eq!(zipped.keys("input"), set(&["as_", "bs"]));
    assert_shows(
        &zipped,
        &["pair (mapped over a, b)", "map over a, b", "pairs"],
    );
    let title = zipped.shapes("cluster").next().unwrap().rect;
    // The title fits its rectangle (widened if need be), at the estimated
    // 8 px per character.
    assert!(title.2 - title.0 >= 8.0 * "pair (mapped over a, b)".len() as f64);
}
