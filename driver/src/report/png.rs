//! PNG versions of the SVG charts, rasterised with resvg at twice the SVG's size.

use std::sync::Arc;

use anyhow::{anyhow, Context};

/// Rasterises SVG documents with the system's fonts (loaded once).
pub struct Rasteriser {
    options: resvg::usvg::Options<'static>,
}

impl Rasteriser {
    /// Loads the system fonts; charts name DejaVu Sans first, then generic sans-serif faces.
    pub(crate) fn new() -> Rasteriser {
        let mut fonts = resvg::usvg::fontdb::Database::new();
        fonts.load_system_fonts();
        let options = resvg::usvg::Options {
            fontdb: Arc::new(fonts),
            ..Default::default()
        };
        Rasteriser { options }
    }

    /// Whether any font was found (without one the PNGs carry no text).
    pub fn has_fonts(&self) -> bool {
        !self.options.fontdb.is_empty()
    }

    /// Renders `svg` to PNG bytes at `scale` times its size.
    pub fn png(&self, svg: &str, scale: f32) -> anyhow::Result<Vec<u8>> {
        let tree =
            resvg::usvg::Tree::from_str(svg, &self.options).context("parsing our own SVG")?;
        let size = tree
            .size()
            .to_int_size()
            .scale_by(scale)
            .ok_or_else(|| anyhow!("empty chart"))?;
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
            .ok_or_else(|| anyhow!("cannot allocate a {}×{} image", size.width(), size.height()))?;
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().context("encoding PNG")
    }
}
